"""Keyword alerts: a phrase is found from the start of a word, across the recognizer's own
word splits and spaces, case aside (pure); admins keep each queue's and campaign's phrases
through the API on the real PostgreSQL, and nobody else may."""
from __future__ import annotations

import uuid

import pytest

from recordings.alerts import Hit, hits

from tests.helpers.accounts import bearer, make_user
from tests.helpers.transcribed import words_of


def test_a_phrase_is_found_where_its_first_word_begins() -> None:
    words = words_of("안녕 하세요 예 약을 변경 하고 싶어요 Cancel my ORDER 😀 张伟")
    assert hits(["예약", "cancel my order", "张伟", "환불", "을"], words) == [
        Hit("예약", 1.0), Hit("cancel my order", 3.5), Hit("张伟", 5.5)]
    assert hits(["하세요예"], words) == [Hit("하세요예", 0.5)], "spaces do not count"
    assert hits(["  "], words) == []


@pytest.mark.integration
@pytest.mark.asyncio(loop_scope="session")
async def test_admins_keep_the_phrases_of_queues_and_campaigns(client, db) -> None:
    admin, agent = await make_user(db, "admin"), await make_user(db)
    queue = f"q-{uuid.uuid4().hex[:6]}"
    url = f"/admin/keyword-alerts/queue/{queue}"
    put = await client.put(url, headers=bearer(admin),
                           json={"phrases": [" 환불 ", "cancel", "환불", "Jürgen 张伟 😀"]})
    assert put.status == 200, await put.text()
    assert (await put.json())["phrases"] == sorted(["환불", "cancel", "Jürgen 张伟 😀"])
    everything = await (await client.get("/admin/keyword-alerts", headers=bearer(admin))).json()
    assert everything["queue"][queue] == sorted(["환불", "cancel", "Jürgen 张伟 😀"])
    cleared = await client.put(url, headers=bearer(admin), json={"phrases": []})
    assert (await cleared.json())["phrases"] == []
    assert (await client.get("/admin/keyword-alerts/team/x", headers=bearer(admin))).status == 404
    assert (await client.put(url, headers=bearer(admin), json={"phrases": [""]})).status == 400
    assert (await client.get(url, headers=bearer(agent))).status == 403
