"""Telemarketing scripts in the CRM on real PostgreSQL, and their sandboxed rendering."""
import re

import pytest

from crm_core.db import Database
from crm_core.dispositions import Owner
from crm_core.scripts import (
    ScriptError, delete_script, get_script, list_scripts, put_script, render_script,
)
from crm_core.users import create_user
from tests.helpers.records import unique


def owner(kind: str = "queue") -> Owner:
    return Owner(kind, unique("q"))


async def test_put_get_replace_list_delete(db: Database) -> None:
    user_id, _ = await create_user(db, unique("admin"), display_name="A", role="admin")
    queue, campaign = owner(), owner("campaign")
    saved = await put_script(db, queue, "Hallo {{ customer.name }}", title="Begrüßung",
                             user_id=user_id)
    assert (saved.owner, saved.title, saved.updated_by) == (queue, "Begrüßung", user_id)
    await put_script(db, campaign, "Kampagne {{ agent }}")
    replaced = await put_script(db, queue, "Guten Tag {{ customer.name }}")
    assert replaced.body == "Guten Tag {{ customer.name }}" and replaced.title == ""
    assert replaced.updated_at >= saved.updated_at
    assert (await get_script(db, queue)).body == replaced.body
    assert (await get_script(db, campaign)).owner == campaign
    assert await get_script(db, Owner("campaign", queue.name)) is None  # kinds apart
    owners = [s.owner for s in await list_scripts(db)]
    assert queue in owners and campaign in owners
    assert await delete_script(db, queue) and not await delete_script(db, queue)
    assert await get_script(db, queue) is None
    await delete_script(db, campaign)


@pytest.mark.parametrize("body, fragment", [
    ("Hallo {{ customer.name ", "not a valid template (line 1)"),
    ("{% if x %}open", "not a valid template"),
    ("", "'body' is required"),
    (42, "'body' is required"),
])
async def test_a_script_that_does_not_compile_is_not_stored(db: Database, body, fragment) -> None:
    queue = owner()
    await put_script(db, queue, "before")
    with pytest.raises(ScriptError, match=re.escape(fragment)):
        await put_script(db, queue, body)
    assert (await get_script(db, queue)).body == "before"
    await delete_script(db, queue)


def test_owner_names_are_checked() -> None:
    for kind, name in [("queue", ""), ("queue", "a b"), ("dialer", "x1"), (None, "x1"),
                       ("campaign", "x" * 81)]:
        with pytest.raises(ValueError):
            Owner(kind, name)
    assert Owner() == Owner(None, None)


def test_scripts_render_customer_fields_in_a_sandbox() -> None:
    assert render_script("Hallo {{ customer.name }}, {{ agent }}!", {"name": "Jürgen 张伟"},
                         "Zoë") == "Hallo Jürgen 张伟, Zoë!"
    assert render_script("{{ customer.name or 'there' }}", None, "a") == "there"
    lead_script = "Tier {{ lead.custom.tier }} for {{ lead.first_name }}"
    assert render_script(lead_script, None, "a") == "Tier  for "  # shown without a lead
    assert render_script(lead_script, None, "a", {"first_name": "Zoë", "custom": {"tier": "A"}}) \
        == "Tier A for Zoë"
    for body, error in [("{{ customer.__class__.__mro__[1].__subclasses__() }}", "SecurityError"),
                        ("{{ customer.a.b }}", "UndefinedError"), ("{{ 1 / 0 }}", "ZeroDivision")]:
        with pytest.raises(ScriptError, match=error):
            render_script(body, {}, "a")
