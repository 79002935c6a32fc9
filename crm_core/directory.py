"""Who is who, for the CTI server's services: users by queue member interface, and who may
see and act on whom (admins: everyone; supervisors: the teams they lead)."""
from __future__ import annotations

from crm_core.db import Database
from crm_core.teams import visible_user_ids
from crm_core.users import authenticate_token, users_by_interface
from crm_core.values import UserInfo


class UserDirectory:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def by_interface(self) -> dict[str, UserInfo]:
        return await users_by_interface(self._db)

    async def agent_ids(self) -> dict[str, int]:
        """{queue member interface: user id}."""
        return {interface: user.id for interface, user in (await self.by_interface()).items()}

    async def authenticate(self, token: str) -> UserInfo | None:
        return await authenticate_token(self._db, token)

    async def visible_interfaces(self, viewer: UserInfo) -> frozenset[str] | None:
        """The agent interfaces VIEWER may see; None: all."""
        visible = await visible_user_ids(self._db, viewer)
        if visible is None:
            return None
        return frozenset(interface for interface, user in (await self.by_interface()).items()
                         if user.id in visible)

    async def may_act_on(self, user: UserInfo, interface: str) -> bool:
        """Admins act on every agent, supervisors on the agents of the teams they lead."""
        if user.role == "admin":
            return True
        if user.role != "supervisor":
            return False
        visible = await self.visible_interfaces(user)
        return visible is not None and interface in visible

    async def supervisor_of(self, agent: UserInfo) -> UserInfo | None:
        """A supervisor with a phone who leads the agent's team."""
        for candidate in (await self.by_interface()).values():
            if candidate.role != "supervisor" or candidate.id == agent.id:
                continue
            visible = await visible_user_ids(self._db, candidate)
            if visible is not None and agent.id in visible:
                return candidate
        return None
