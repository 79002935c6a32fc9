"""Admin API: create users, set their extension / interface, team, role, password.

JSON in and out; admin only; browser sessions must send the CSRF token (X-CSRF-Token)."""
from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from crm_core.passwords import password_problem
from crm_core.teams import led_teams, set_led_teams
from crm_core.users import EDITABLE_FIELDS, ROLES, create_user, update_user
from crm_core.values import UserInfo

from .auth import db_key, require_role
from .jsonbody import BodyError, error_response, json_object

MAX_FIELD = 200
MAX_BODY = 16 * 1024
TEXT_FIELDS = ("display_name", "extension", "interface", "team")


class BadRequest(ValueError):
    pass


def _text(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is not None and (not isinstance(value, str) or len(value) > MAX_FIELD):
        raise BadRequest(f"{key!r} must be a string of at most {MAX_FIELD} characters")
    return value or None


def parse_changes(data: Any) -> tuple[dict[str, Any], str | None, list[str] | None]:
    """(field changes, new password, teams led) from a JSON body; raises BadRequest."""
    if not isinstance(data, dict):
        raise BadRequest("expected a JSON object")
    unknown = set(data) - EDITABLE_FIELDS - {"username", "password", "leads"}
    if unknown:
        raise BadRequest(f"unknown fields: {', '.join(sorted(unknown))}")
    changes: dict[str, Any] = {k: _text(data, k) for k in TEXT_FIELDS if k in data}
    if "role" in data:
        if data["role"] not in ROLES:
            raise BadRequest(f"'role' must be one of {', '.join(ROLES)}")
        changes["role"] = data["role"]
    if "active" in data:
        if not isinstance(data["active"], bool):
            raise BadRequest("'active' must be true or false")
        changes["active"] = data["active"]
    return changes, _password(data), _leads(data)


def _password(data: dict) -> str | None:
    password = data.get("password")
    if password is None:
        return None
    problem = password_problem(password) if isinstance(password, str) else "must be a string"
    if problem:
        raise BadRequest(f"'password': {problem}")
    return password


def _leads(data: dict) -> list[str] | None:
    leads = data.get("leads")
    if leads is not None and not (
        isinstance(leads, list) and all(isinstance(t, str) and t for t in leads)
    ):
        raise BadRequest("'leads' must be a list of team names")
    return leads


def user_json(user: UserInfo, leads: set[str]) -> dict[str, Any]:
    return {
        "id": user.id, "username": user.username, "display_name": user.display_name,
        "role": user.role, "extension": user.extension, "interface": user.interface,
        "team": user.team, "leads": sorted(leads),
    }


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        return await json_object(request, MAX_BODY)
    except BodyError as exc:
        raise BadRequest(str(exc)) from None


@require_role("admin")
async def add_user(request: web.Request) -> web.Response:
    try:
        data = await _body(request)
        changes, password, leads = parse_changes(data)
        username = _text(data, "username")
        if not username or "role" not in changes:
            raise BadRequest("'username' and 'role' are required")
    except BadRequest as exc:
        return error_response(400, str(exc))
    db = request.app[db_key]
    changes.setdefault("display_name", username)
    changes.pop("active", None)
    try:
        user_id, _ = await create_user(db, username, password=password, **changes)
    except IntegrityError:
        return error_response(409, "username or interface already taken")
    await set_led_teams(db, user_id, leads or ())
    user = UserInfo(
        user_id, username, changes["display_name"], changes["role"],
        changes.get("extension"), changes.get("interface"), changes.get("team"),
    )
    return web.json_response(user_json(user, set(leads or ())), status=201)


@require_role("admin")
async def change_user(request: web.Request) -> web.Response:
    try:
        data = await _body(request)
        changes, password, leads = parse_changes(data)
        if "username" in data:
            raise BadRequest("usernames cannot be changed")
    except BadRequest as exc:
        return error_response(400, str(exc))
    db = request.app[db_key]
    try:
        user = await update_user(db, request.match_info["username"], changes, password=password)
    except IntegrityError:
        return error_response(409, "interface already taken")
    if user is None:
        return error_response(404, "no such user")
    if leads is not None:
        await set_led_teams(db, user.id, leads)
    return web.json_response(user_json(user, await led_teams(db, user.id)))


def add_routes(app: web.Application) -> None:
    app.router.add_post("/admin/users", add_user)
    app.router.add_patch("/admin/users/{username}", change_user)
