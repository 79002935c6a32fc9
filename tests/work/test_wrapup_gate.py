"""The after-call work gate pauses on a finished call and unpauses once every wrap-up is in."""
from ctiserver.wrapup import AFTER_CALL_WORK, WrapupGate


class FakeControl:
    def __init__(self) -> None:
        self.actions: list[tuple] = []

    async def pause(self, interface: str, reason: str) -> None:
        self.actions.append(("pause", interface, reason))

    async def unpause(self, interface: str) -> None:
        self.actions.append(("unpause", interface))


def gate() -> tuple[WrapupGate, FakeControl]:
    control = FakeControl()
    return WrapupGate(control.pause, control.unpause), control


async def test_pause_on_completion_unpause_on_wrapup() -> None:
    wrapups, control = gate()
    await wrapups.on_call_completed("PJSIP/1001", "c1")
    assert control.actions == [("pause", "PJSIP/1001", AFTER_CALL_WORK)]
    await wrapups.on_wrapup_submitted("PJSIP/1001", "c1")
    assert control.actions[-1] == ("unpause", "PJSIP/1001")
    assert wrapups.pending("PJSIP/1001") == frozenset()


async def test_stays_paused_while_another_wrapup_is_pending() -> None:
    wrapups, control = gate()
    await wrapups.on_call_completed("PJSIP/1001", "c1")
    await wrapups.on_call_completed("PJSIP/1001", "c2")
    await wrapups.on_wrapup_submitted("PJSIP/1001", "c1")
    assert control.actions == [("pause", "PJSIP/1001", AFTER_CALL_WORK)]
    await wrapups.on_wrapup_submitted("PJSIP/1001", "c2")
    assert control.actions[-1] == ("unpause", "PJSIP/1001")


async def test_unknown_or_repeated_wrapups_change_nothing() -> None:
    wrapups, control = gate()
    await wrapups.on_wrapup_submitted("PJSIP/1001", "never")
    await wrapups.on_call_completed("PJSIP/1002", "c1")
    await wrapups.on_wrapup_submitted("PJSIP/1002", "c1")
    await wrapups.on_wrapup_submitted("PJSIP/1002", "c1")
    assert control.actions == [("pause", "PJSIP/1002", AFTER_CALL_WORK),
                               ("unpause", "PJSIP/1002")]


async def test_agents_are_gated_separately() -> None:
    wrapups, control = gate()
    await wrapups.on_call_completed("PJSIP/1001", "c1")
    await wrapups.on_call_completed("PJSIP/1002", "c2")
    await wrapups.on_wrapup_submitted("PJSIP/1002", "c2")
    assert control.actions[-1] == ("unpause", "PJSIP/1002")
    assert wrapups.pending("PJSIP/1001") == {"c1"}
