"""The after-call work gate pauses on a finished call and unpauses once every wrap-up is in; its
pending calls survive a restart through the store (a fake here: the gate's logic is pure)."""
import logging

import pytest

from ctiserver.acd.wrapup import AFTER_CALL_WORK, WrapupGate


class FakeControl:
    def __init__(self, refuse: frozenset[str] = frozenset()) -> None:
        self.actions: list[tuple] = []
        self.refuse = refuse

    async def pause(self, interface: str, reason: str) -> None:
        self.actions.append(("pause", interface, reason))

    async def unpause(self, interface: str) -> None:
        if interface in self.refuse:
            raise RuntimeError(f"Asterisk refused {interface}")
        self.actions.append(("unpause", interface))


class FakeStore:
    """Rows as the SQL store keeps them; ``wrapped`` are the calls wrapped up meanwhile."""

    def __init__(self, rows=(), wrapped=()) -> None:
        self.rows: set[tuple[str, str]] = set(rows)
        self.wrapped = set(wrapped)
        self.broken = False

    def _check(self) -> None:
        if self.broken:
            raise ConnectionError("database down")

    async def add(self, interface: str, call_key: str) -> None:
        self._check()
        self.rows.add((interface, call_key))

    async def remove(self, interface: str, call_key: str) -> None:
        self._check()
        self.rows.discard((interface, call_key))

    async def load(self) -> list[tuple[str, str, bool]]:
        self._check()
        return [(i, c, (i, c) in self.wrapped) for i, c in sorted(self.rows)]


def gate(store: FakeStore | None = None,
         control: FakeControl | None = None) -> tuple[WrapupGate, FakeControl, FakeStore]:
    control, store = control or FakeControl(), store or FakeStore()
    return WrapupGate(control.pause, control.unpause, store), control, store


async def test_pause_on_completion_unpause_on_wrapup() -> None:
    wrapups, control, store = gate()
    await wrapups.on_call_completed("PJSIP/1001", "c1")
    assert control.actions == [("pause", "PJSIP/1001", AFTER_CALL_WORK)]
    assert store.rows == {("PJSIP/1001", "c1")}
    await wrapups.on_wrapup_submitted("PJSIP/1001", "c1")
    assert control.actions[-1] == ("unpause", "PJSIP/1001")
    assert wrapups.pending("PJSIP/1001") == frozenset()
    assert store.rows == set()


async def test_stays_paused_while_another_wrapup_is_pending() -> None:
    wrapups, control, store = gate()
    await wrapups.on_call_completed("PJSIP/1001", "c1")
    await wrapups.on_call_completed("PJSIP/1001", "c2")
    await wrapups.on_wrapup_submitted("PJSIP/1001", "c1")
    assert control.actions == [("pause", "PJSIP/1001", AFTER_CALL_WORK)]
    assert store.rows == {("PJSIP/1001", "c2")}
    await wrapups.on_wrapup_submitted("PJSIP/1001", "c2")
    assert control.actions[-1] == ("unpause", "PJSIP/1001")


async def test_unknown_or_repeated_wrapups_change_nothing() -> None:
    wrapups, control, _ = gate()
    await wrapups.on_wrapup_submitted("PJSIP/1001", "never")
    await wrapups.on_call_completed("PJSIP/1002", "c1")
    await wrapups.on_wrapup_submitted("PJSIP/1002", "c1")
    await wrapups.on_wrapup_submitted("PJSIP/1002", "c1")
    assert control.actions == [("pause", "PJSIP/1002", AFTER_CALL_WORK),
                               ("unpause", "PJSIP/1002")]


async def test_agents_are_gated_separately() -> None:
    wrapups, control, _ = gate()
    await wrapups.on_call_completed("PJSIP/1001", "c1")
    await wrapups.on_call_completed("PJSIP/1002", "c2")
    await wrapups.on_wrapup_submitted("PJSIP/1002", "c2")
    assert control.actions[-1] == ("unpause", "PJSIP/1002")
    assert wrapups.pending("PJSIP/1001") == {"c1"}


async def test_restore_gates_again_and_releases_who_wrapped_up_meanwhile() -> None:
    store = FakeStore(rows={("A", "a1"), ("A", "a2"), ("B", "b1"), ("C", "c1")},
                      wrapped={("A", "a1"), ("B", "b1")})
    wrapups, control, _ = gate(store)
    await wrapups.restore()
    assert wrapups.pending("A") == {"a2"} and wrapups.pending("C") == {"c1"}
    assert wrapups.pending("B") == frozenset()
    assert control.actions == [("unpause", "B")]  # A and C stay paused as Asterisk has them
    assert store.rows == {("A", "a2"), ("C", "c1")}  # no stale rows
    await wrapups.on_wrapup_submitted("A", "a2")
    assert control.actions[-1] == ("unpause", "A") and store.rows == {("C", "c1")}
    await wrapups.restore()  # once only: a reconnect does not reload
    assert wrapups.pending("A") == frozenset() and len(control.actions) == 2


async def test_restore_releases_the_others_when_one_unpause_fails(caplog) -> None:
    store = FakeStore(rows={("A", "a1"), ("B", "b1")}, wrapped={("A", "a1"), ("B", "b1")})
    wrapups, control, _ = gate(store, FakeControl(refuse=frozenset({"A"})))
    with caplog.at_level(logging.ERROR):
        await wrapups.restore()
    assert control.actions == [("unpause", "B")] and store.rows == set()
    assert "could not unpause A" in caplog.text


async def test_refused_actions_neither_lose_the_row_nor_fail_the_wrapup(caplog) -> None:
    class RefusingPause(FakeControl):
        async def pause(self, interface: str, reason: str) -> None:
            raise RuntimeError("no such member")

    control = RefusingPause(refuse=frozenset({"A"}))
    wrapups, _, store = gate(control=control)
    with pytest.raises(RuntimeError):  # the server's background task logs it
        await wrapups.on_call_completed("A", "a1")
    assert store.rows == {("A", "a1")} and wrapups.pending("A") == {"a1"}
    with caplog.at_level(logging.ERROR):
        await wrapups.on_wrapup_submitted("A", "a1")  # the unpause is refused: logged only
    assert "could not unpause A" in caplog.text
    assert store.rows == set() and wrapups.pending("A") == frozenset()


async def test_store_failures_are_logged_and_memory_goes_on(caplog) -> None:
    wrapups, control, store = gate()
    store.broken = True
    with caplog.at_level(logging.ERROR):
        await wrapups.restore()  # load fails: retried later
        await wrapups.on_call_completed("A", "a1")
        await wrapups.on_call_completed("A", "a2")
        await wrapups.on_wrapup_submitted("A", "a1")
    assert "database down" in caplog.text
    assert wrapups.pending("A") == {"a2"}
    assert control.actions == [("pause", "A", AFTER_CALL_WORK)]
    store.broken = False
    store.rows = {("B", "b1")}
    await wrapups.restore()  # the retry merges what the store had with what memory holds
    assert wrapups.pending("A") == {"a2"} and wrapups.pending("B") == {"b1"}
