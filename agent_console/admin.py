"""Admin API: create users, set their extension / interface, team, role, password.

- ``POST /admin/users`` (schemas.UserCreate): 201 and the user (schemas.UserAnswer); 409 when
  the username or interface is taken.
- ``PATCH /admin/users/{username}`` (schemas.UserChange): the user; 404 when there is none,
  409 when the interface is taken.

JSON in and out, ``{"error": "..."}`` with 400 (bad input, naming the field), 403, 404, 409;
admin only; browser sessions must send the CSRF token (X-CSRF-Token)."""
from __future__ import annotations

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from callcenter.errors import Conflict, NotFound
from crm_core.db import Database
from crm_core.teams import led_teams, set_led_teams
from crm_core.users import EDITABLE_FIELDS, create_user, update_user
from crm_core.values import UserInfo

from .auth import require_role
from .jsonbody import answer, read
from .schemas import UserAnswer, UserChange, UserCreate

MAX_BODY = 16 * 1024


def _answer(user: UserInfo, leads: set[str], *, status: int = 200) -> web.Response:
    return answer(UserAnswer, {
        "id": user.id, "username": user.username, "display_name": user.display_name,
        "role": user.role, "extension": user.extension, "interface": user.interface,
        "team": user.team, "leads": sorted(leads),
    }, status=status)


class UsersResource:
    """The users of ``db``, for admins."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @require_role("admin")
    async def add_user(self, request: web.Request) -> web.Response:
        new = await read(request, UserCreate, MAX_BODY)
        display_name = new.display_name or new.username
        try:
            user_id, _ = await create_user(
                self.db, new.username, display_name=display_name, role=new.role,
                extension=new.extension, interface=new.interface, team=new.team,
                password=new.password,
            )
        except IntegrityError:
            raise Conflict("username or interface already taken") from None
        leads = new.leads or []
        await set_led_teams(self.db, user_id, leads)
        user = UserInfo(user_id, new.username, display_name, new.role, new.extension,
                        new.interface, new.team)
        return _answer(user, set(leads), status=201)

    @require_role("admin")
    async def change_user(self, request: web.Request) -> web.Response:
        change = await read(request, UserChange, MAX_BODY)
        fields = {name: getattr(change, name)
                  for name in change.model_fields_set & EDITABLE_FIELDS}
        try:
            user = await update_user(self.db, request.match_info["username"], fields,
                                     password=change.password)
        except IntegrityError:
            raise Conflict("interface already taken") from None
        if user is None:
            raise NotFound("no such user")
        if change.leads is not None:
            await set_led_teams(self.db, user.id, change.leads)
        return _answer(user, await led_teams(self.db, user.id))


def add_routes(app: web.Application, users: UsersResource) -> None:
    app.router.add_post("/admin/users", users.add_user)
    app.router.add_patch("/admin/users/{username}", users.change_user)
