"""Who may hear, download and delete a recording (pure): admins everything; supervisors play
and download the calls of the teams they lead (and their own); agents play their own calls
(unless the setting says agents hear none) and download none. Deleting is the admins' alone."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from callcenter.errors import Forbidden


class Action(StrEnum):
    PLAY = "play"
    DOWNLOAD = "download"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class Viewer:
    id: int
    role: str
    led_teams: frozenset[str] = frozenset()
    """A supervisor's teams."""


@dataclass(frozen=True, slots=True)
class Owner:
    """The agent who took the recorded call (none known: only admins see it)."""
    user_id: int | None
    team: str | None


@dataclass(frozen=True, slots=True)
class AccessRules:
    agents_hear_own: bool = True
    """False: agents hear no recordings, not even their own."""

    def allows(self, viewer: Viewer, owner: Owner, action: Action) -> bool:
        if viewer.role == "admin":
            return True
        if action is Action.DELETE:
            return False
        own = owner.user_id is not None and owner.user_id == viewer.id
        if viewer.role == "supervisor":
            return own or (owner.team is not None and owner.team in viewer.led_teams)
        return viewer.role == "agent" and action is Action.PLAY and own and self.agents_hear_own

    def check(self, viewer: Viewer, owner: Owner, action: Action) -> None:
        if not self.allows(viewer, owner, action):
            raise _REFUSALS[action]()


_REFUSALS = {  # one whole sentence each, for the translators
    Action.PLAY: lambda: Forbidden("you may not hear this recording"),
    Action.DOWNLOAD: lambda: Forbidden("you may not download this recording"),
    Action.DELETE: lambda: Forbidden("only admins delete recordings"),
}
