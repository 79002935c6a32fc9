"""Who may hear, download and delete a recording (pure rules)."""
from __future__ import annotations

import pytest

from callcenter.errors import Forbidden
from recordings.access import AccessRules, Action, Owner, Viewer

RULES = AccessRules()
AGENT = Viewer(1, "agent")
OTHER_AGENT = Viewer(2, "agent")
SUPERVISOR = Viewer(3, "supervisor", frozenset({"red"}))
ADMIN = Viewer(4, "admin")
RED_CALL = Owner(1, "red")
BLUE_CALL = Owner(5, "blue")
NOBODYS_CALL = Owner(None, None)


def test_an_agent_hears_their_own_calls_only_and_downloads_none() -> None:
    assert RULES.allows(AGENT, RED_CALL, Action.PLAY)
    assert not RULES.allows(OTHER_AGENT, RED_CALL, Action.PLAY)
    assert not RULES.allows(AGENT, RED_CALL, Action.DOWNLOAD)
    assert not RULES.allows(AGENT, RED_CALL, Action.DELETE)


def test_the_setting_can_keep_agents_from_their_own_calls() -> None:
    assert not AccessRules(agents_hear_own=False).allows(AGENT, RED_CALL, Action.PLAY)
    assert AccessRules(agents_hear_own=False).allows(SUPERVISOR, RED_CALL, Action.PLAY)


def test_a_supervisor_hears_and_downloads_the_teams_they_lead() -> None:
    assert RULES.allows(SUPERVISOR, RED_CALL, Action.PLAY)
    assert RULES.allows(SUPERVISOR, RED_CALL, Action.DOWNLOAD)
    assert not RULES.allows(SUPERVISOR, BLUE_CALL, Action.PLAY)
    assert not RULES.allows(SUPERVISOR, RED_CALL, Action.DELETE)
    assert RULES.allows(SUPERVISOR, Owner(3, None), Action.PLAY)  # their own call


def test_admins_do_everything_even_with_calls_of_no_known_agent() -> None:
    for action in Action:
        assert RULES.allows(ADMIN, NOBODYS_CALL, action)
    assert not RULES.allows(SUPERVISOR, NOBODYS_CALL, Action.PLAY)


@pytest.mark.parametrize(("viewer", "action", "message"), [
    (OTHER_AGENT, Action.PLAY, "you may not hear this recording"),
    (AGENT, Action.DOWNLOAD, "you may not download this recording"),
    (SUPERVISOR, Action.DELETE, "only admins delete recordings"),
])
def test_a_refusal_says_what_was_refused(viewer: Viewer, action: Action, message: str) -> None:
    with pytest.raises(Forbidden, match=message):
        RULES.check(viewer, RED_CALL, action)
