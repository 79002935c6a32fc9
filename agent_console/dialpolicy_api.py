"""Admin API for the dial policy (which numbers agents may dial out to: ctiserver.control.
dialpolicy) and the outbound dial audit log (JSON).

- ``GET /admin/dial-policies``: the default rules, then every team's (schemas.DialPolicyList).
- ``GET|PUT /admin/dial-policy``: the site's default rules, which hold for every team
  (schemas.DialRulesBody in, schemas.DialRulesAnswer out); until an admin stores some, the
  built-in ones from the settings (``stored`` false). ``DELETE`` returns to the built-in ones.
- ``GET|PUT|DELETE /admin/dial-policy/{team}``: a team's own rules on top of the default
  (404 when the team has none).
- ``GET /admin/dials?user=&since=&decision=&limit=&before=`` (schemas.DialsQuery): every dial
  attempt from the console, newest first, a page at a time (``next`` is the next page's
  ``before``); supervisors read their teams' rows (and their own).

``{"error": "..."}`` with 400 (a bad pattern or type names the field: ``allow.0: ...``), 403,
404; the policy is admins' alone; browser sessions send the CSRF token (X-CSRF-Token)."""
from __future__ import annotations

from aiohttp import web

from callcenter.errors import NotFound
from crm_core.db import Database
from crm_core.dialpolicies import DialFilter, DialPolicies, dial_attempts
from crm_core.teams import led_teams
from ctiserver.control.dialpolicy import DialRules

from .auth import USER, require_role
from .jsonbody import NO_STORE, answer, query, read
from .schemas import (
    DialPolicyDeleted, DialPolicyList, DialRulesAnswer, DialRulesBody, Dials, DialsQuery,
)

MAX_BODY = 64 * 1024


def _team(request: web.Request) -> str | None:
    return request.match_info.get("team")


class DialPolicyResource:
    """The dial ``policies`` and the audit log in ``db``."""

    def __init__(self, db: Database, policies: DialPolicies) -> None:
        self.db = db
        self.policies = policies

    @require_role("admin")
    async def list_policies(self, request: web.Request) -> web.Response:
        found = await self.policies.all()
        return answer(DialPolicyList, {"policies": [p.json() for p in found]}, headers=NO_STORE)

    @require_role("admin")
    async def get_policy(self, request: web.Request) -> web.Response:
        found = await self.policies.get(_team(request))
        if found is None:
            raise NotFound("team {team} has no dial policy of its own", team=_team(request))
        return answer(DialRulesAnswer, found.json(), headers=NO_STORE)

    @require_role("admin")
    async def put_policy(self, request: web.Request) -> web.Response:
        body = await read(request, DialRulesBody, MAX_BODY)
        rules = DialRules.of(body.allow, body.block, body.blocked_types)
        saved = await self.policies.put(_team(request), rules, by=request[USER].id)
        return answer(DialRulesAnswer, saved.json())

    @require_role("admin")
    async def delete_policy(self, request: web.Request) -> web.Response:
        team = _team(request)
        if not await self.policies.delete(team) and team is not None:
            raise NotFound("team {team} has no dial policy of its own", team=team)
        return answer(DialPolicyDeleted, {"deleted": team})

    @require_role("admin", "supervisor")
    async def dials(self, request: web.Request) -> web.Response:
        asked = query(request, DialsQuery)
        viewer = request[USER]
        teams = None if viewer.role == "admin" else frozenset(await led_teams(self.db, viewer.id))
        rows, more = await dial_attempts(self.db, DialFilter(
            viewer.id, teams, username=asked.user, since=asked.since, decision=asked.decision,
            before=asked.before, limit=asked.limit))
        return answer(Dials, {"dials": rows, "next": more}, headers=NO_STORE)


def add_routes(app: web.Application, resource: DialPolicyResource) -> None:
    app.router.add_get("/admin/dial-policies", resource.list_policies)
    for path in ("/admin/dial-policy", "/admin/dial-policy/{team}"):
        app.router.add_get(path, resource.get_policy)
        app.router.add_put(path, resource.put_policy)
        app.router.add_delete(path, resource.delete_policy)
    app.router.add_get("/admin/dials", resource.dials)
