"""The IVR's admin API on the whole web app and real PostgreSQL: flows listed, read (structure,
YAML, diagram), put (checked as a file is, written whole, the flows reloaded), deleted and
reloaded; node counts for a period; prompt uploads converted by the real ffmpeg. Admins change
flows, supervisors only look, agents get nothing."""
from __future__ import annotations

import shutil

import subprocess
import wave
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import FormData

from ivr.engine import NodeEvent
from ivr.store import add_node_counts
from tests.helpers.accounts import bearer, make_user

pytestmark = pytest.mark.asyncio(loop_scope="session")

GREETING = "Grüß Gott, Jürgen 张伟 😀"
FLOW = {
    "name": "welcome",
    "start": "hello",
    "nodes": {
        "hello": {"type": "play", "prompt": {"text": GREETING}, "next": "menu"},
        "menu": {"type": "menu", "prompt": {"sound": "beep"},
                 "choices": {"1": "agent", "2": "bye"}, "on_failure": "bye"},
        "agent": {"type": "queue", "queue": "support", "survey": "survey"},
        "bye": {"type": "hangup"},
    },
}


async def headers_of(db, role: str) -> dict[str, str]:
    return bearer(await make_user(db, role))


async def test_an_admin_puts_reads_lists_and_deletes_a_flow(ivr_admin, db) -> None:
    client, folder = ivr_admin
    admin = await headers_of(db, "admin")
    response = await client.put("/admin/ivr/flows/welcome", json=FLOW, headers=admin)
    assert response.status == 200, await response.text()
    saved = await response.json()
    assert saved["flow"] == FLOW and GREETING in saved["yaml"]
    assert (folder / "welcome.yaml").read_text(encoding="utf-8") == saved["yaml"]
    listed = await (await client.get("/admin/ivr/flows", headers=admin)).json()
    assert [f["name"] for f in listed["flows"]] == ["hotline", "survey", "welcome"]
    got = await (await client.get("/admin/ivr/flows/welcome", headers=admin)).json()
    assert got == saved
    assert {(e["source"], e["target"], e["label"]) for e in got["diagram"]["edges"]} == {
        ("hello", "menu", ""), ("menu", "agent", "1"), ("menu", "bye", "2"),
        ("menu", "bye", "on_failure")}
    deleted = await client.delete("/admin/ivr/flows/welcome", headers=admin)
    assert (deleted.status, await deleted.json()) == (200, {"deleted": "welcome"})
    assert not (folder / "welcome.yaml").exists()
    assert (await client.get("/admin/ivr/flows/welcome", headers=admin)).status == 404
    assert (await client.delete("/admin/ivr/flows/welcome", headers=admin)).status == 404


@pytest.mark.parametrize(("name", "change", "error"), [
    ("welcome", {"start": "nowhere"}, "welcome.yaml:2: start: start node 'nowhere' does not exist"),
    ("welcome", {"nodes": {**FLOW["nodes"], "bye": {"type": "goto", "flow": "gone"}}},
     "welcome.yaml:23: nodes.bye.flow: flow 'gone' does not exist"),
    ("welcome", {"nodes": {**FLOW["nodes"], "menu": {**FLOW["nodes"]["menu"], "choices": {"12": "bye"}}}},
     "welcome.yaml:13: nodes.menu.menu.choices: choice '12' is not a key of the phone (0-9, *, #)"),
    ("welcome", {"nodes": {**FLOW["nodes"], "bye": {"type": "hangout"}}},
     "welcome.yaml:22: nodes.bye.type: Input tag 'hangout' found using 'type' does not match"),
    ("other", {}, "the flow is named 'welcome', not 'other'"),
    ("we.lcome", {}, "'we.lcome' is not a name: letters, digits, - and _ only"),
], ids=["start", "goto", "menu-key", "node-type", "name-mismatch", "file-name"])
async def test_a_wrong_flow_is_refused_with_its_path_and_reason_and_nothing_written(
        ivr_admin, db, name: str, change: dict, error: str) -> None:
    client, folder = ivr_admin
    response = await client.put(f"/admin/ivr/flows/{name}", json={**FLOW, **change},
                                headers=await headers_of(db, "admin"))
    assert response.status == 400
    assert error in (await response.json())["error"]
    assert sorted(path.name for path in folder.iterdir()) == ["hotline.yaml", "survey.yaml"]


async def test_a_file_that_cannot_be_read_does_not_stop_puts_and_deletes(ivr_admin, db) -> None:
    """A file in the folder that is not UTF-8 is left out (as the server leaves it out when
    it loads the folder); the other flows are still saved and deleted."""
    client, folder = ivr_admin
    admin = await headers_of(db, "admin")
    (folder / "latin1.yaml").write_bytes("name: grüße\nstart: b\nnodes: {b: {type: hangup}}\n"
                                         .encode("latin-1"))
    put = await client.put("/admin/ivr/flows/welcome", json=FLOW, headers=admin)
    assert put.status == 200, await put.text()
    deleted = await client.delete("/admin/ivr/flows/welcome", headers=admin)
    assert deleted.status == 200, await deleted.text()


async def test_a_flow_others_lead_to_is_not_deleted(ivr_admin, db) -> None:
    client, folder = ivr_admin
    response = await client.delete("/admin/ivr/flows/survey", headers=await headers_of(db, "admin"))
    assert (response.status, await response.json()) == (
        409, {"error": "other flows lead to survey (hotline): change them first"})
    assert (folder / "survey.yaml").exists()


async def test_a_file_changed_by_hand_runs_after_a_reload(ivr_admin, db) -> None:
    client, folder = ivr_admin
    admin = await headers_of(db, "admin")
    (folder / "survey.yaml").unlink()  # the hotline's survey: the hotline is left out too
    (folder / "bye.yaml").write_text("name: bye\nstart: b\nnodes: {b: {type: hangup}}\n")
    listed = await (await client.post("/admin/ivr/reload", headers=admin)).json()
    assert [f["name"] for f in listed["flows"]] == ["bye"]


async def test_a_reload_from_a_folder_gone_keeps_the_running_flows(ivr_admin, db) -> None:
    client, folder = ivr_admin
    admin = await headers_of(db, "admin")
    shutil.rmtree(folder)
    refused = await client.post("/admin/ivr/reload", headers=admin)
    assert refused.status == 503
    assert (await refused.json())["error"] == (
        f"the IVR flows folder {folder} does not exist: the flows running now are kept")
    listed = await (await client.get("/admin/ivr/flows", headers=admin)).json()
    assert "hotline" in [f["name"] for f in listed["flows"]]


async def test_counts_of_a_period_are_the_stored_ones(ivr_admin, db) -> None:
    client, _ = ivr_admin
    now = datetime.now(UTC)
    events = [NodeEvent("hotline", "menu", kind) for kind in
              ("reached", "reached", "invalid", "completed", "timed_out")]
    await add_node_counts(db, events, now)
    await add_node_counts(db, [NodeEvent("hotline", "menu", "reached")], now - timedelta(days=3))
    supervisor = await headers_of(db, "supervisor")

    async def counted(since: datetime) -> dict:
        response = await client.get("/admin/ivr/flows/hotline/counts", headers=supervisor,
                                    params={"since": since.isoformat(),
                                            "until": (now + timedelta(hours=1)).isoformat()})
        assert response.status == 200, await response.text()
        return (await response.json())["counts"]

    hour = now.replace(minute=0, second=0, microsecond=0)
    today, week = await counted(hour), await counted(hour - timedelta(days=7))
    assert today["menu"] == {"reached": 2, "invalid": 1, "completed": 1, "timed_out": 1}
    assert week["menu"]["reached"] == today["menu"]["reached"] + 1
    wrong = await client.get("/admin/ivr/flows/hotline/counts", headers=supervisor,
                             params={"since": now.isoformat(), "until": hour.isoformat()})
    assert (wrong.status, await wrong.json()) == (400, {"error": "until: must be after since"})


async def test_agents_see_nothing_and_supervisors_change_nothing(ivr_admin, db) -> None:
    client, folder = ivr_admin
    for role in ("agent", "supervisor"):
        headers = await headers_of(db, role)
        for method, path in [("PUT", "/admin/ivr/flows/welcome"), ("DELETE", "/admin/ivr/flows/hotline"),
                             ("POST", "/admin/ivr/reload"), ("POST", "/admin/ivr/prompts")]:
            response = await client.request(method, path, json=FLOW, headers=headers)
            assert response.status == 403, (role, method, path)
            assert "error" in await response.json()
    agent, supervisor = await headers_of(db, "agent"), await headers_of(db, "supervisor")
    assert (await client.get("/admin/ivr/flows", headers=agent)).status == 403
    assert (await client.get("/admin/ivr/flows/hotline", headers=agent)).status == 403
    assert (await client.get("/admin/ivr/flows", headers=supervisor)).status == 200
    assert (folder / "hotline.yaml").exists() and not (folder / "welcome.yaml").exists()


async def test_an_uploaded_prompt_is_stored_as_8_khz_mono(ivr_admin, db, tmp_path) -> None:
    client, _ = ivr_admin
    source = tmp_path / "tone.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=1:sample_rate=44100", "-ac", "2", str(source)],
                   check=True)
    admin = await headers_of(db, "admin")
    form = FormData()
    form.add_field("name", "grüße")
    form.add_field("file", source.read_bytes(), filename="tone.wav", content_type="audio/wav")
    response = await client.post("/admin/ivr/prompts", data=form, headers=admin)
    assert response.status == 201, await response.text()
    assert await response.json() == {"name": "grüße"}
    with wave.open(str(tmp_path / "uploads" / "grüße.wav")) as stored:
        assert (stored.getframerate(), stored.getnchannels()) == (8000, 1)
        assert stored.getnframes() == pytest.approx(8000, abs=200)
    bad = FormData()
    bad.add_field("name", "noise")
    bad.add_field("file", b"not audio at all", filename="x.wav")
    refused = await client.post("/admin/ivr/prompts", data=bad, headers=admin)
    assert (refused.status, await refused.json()) == (
        400, {"error": "the file is not audio ffmpeg can read"})
