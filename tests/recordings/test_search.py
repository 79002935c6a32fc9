"""Transcript search on the real PostgreSQL: every term must begin a word (Korean particles
attached, non-ASCII intact), newest first, a supervisor sees their teams' calls only, and
the answer carries the words around the hit and its second; the query's text never reaches
the tsquery parser as syntax."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from crm_core.models import TeamLead
from crm_core.teams import visible_user_ids
from crm_core.values import UserInfo
from recordings.search import search
from recordings.searchtext import snippet, tsquery

from tests.helpers.accounts import make_user
from tests.helpers.records import handled_call
from tests.helpers.transcribed import transcribed_recording, words_of


def test_terms_are_quoted_prefixes_that_all_must_match() -> None:
    assert tsquery("예약  Jürgen") == "'예약':* & 'jürgen':*"
    assert tsquery("it's a\\b & | ! :*") == "'it''s':* & 'a\\\\b':* & '&' & '|' & '!' & ':*':*"
    assert tsquery("네 아이") == "'네' & '아이':*", "one character: the whole word"
    assert tsquery("   ") == ""


def test_the_snippet_shows_the_words_around_the_first_hit_and_its_second() -> None:
    words = words_of("하나 둘 셋 넷 다섯 여섯 일곱 여덟 예약 을 확인 하겠 습니다")
    hit = snippet(words, "예약을")
    assert hit is not None and hit.second == 4.0
    assert hit.text == "셋 넷 다섯 여섯 일곱 여덟 예약 을 확인 하겠 습니다"
    assert snippet(words, "환불") is None
    assert snippet(words, "을").second == 4.5 and snippet(words, "셋").second == 1.0


@pytest.mark.integration
@pytest.mark.asyncio(loop_scope="session")
async def test_search_finds_word_starts_newest_first_within_the_viewers_teams(db) -> None:
    team = f"t-{uuid.uuid4().hex[:6]}"
    mine, theirs = await make_user(db, team=team), await make_user(db)
    lead = await make_user(db, "supervisor")
    await _lead(db, lead.id, team)
    marker = uuid.uuid4().hex[:8]
    older = await handled_call(db, mine, None)
    await transcribed_recording(db, older, words_of(f"안녕하세요 예약을 확인합니다 {marker}"))
    newer = await handled_call(db, mine, None)
    newer_id = await transcribed_recording(db, newer, words_of(f"{marker} Jürgen 张伟 😀 예약"))
    other = await handled_call(db, theirs, None)
    await transcribed_recording(db, other, words_of(f"예약 {marker}"))

    everyone = await search(db, f"예약 {marker}", None, limit=10)
    assert [f.call_key for f in everyone] == [other, newer, older]
    led = await visible_user_ids(db, UserInfo(lead.id, lead.username, lead.username,
                                              "supervisor", None, None))
    found = await search(db, f"예약 {marker}", led, limit=10)
    assert [f.call_key for f in found] == [newer, older]
    # the first word of the query said: the marker, at 0 s
    assert (found[0].recording_id, found[0].agent, found[0].second) == (newer_id, mine.username,
                                                                       0.0)
    assert (await search(db, "张伟", led, limit=1))[0].second == 1.0
    assert "Jürgen 张伟 😀" in found[0].snippet
    assert [f.call_key for f in await search(db, f"jürgen {marker} 张伟", None, limit=10)] \
        == [newer]
    assert await search(db, f"약 {marker}", None, limit=10) == [], "a word's start, not its middle"


async def _lead(db, user_id: int, team: str) -> None:
    async with db.sessionmaker.begin() as session:
        session.add(TeamLead(user_id=user_id, team=team))


@pytest.mark.integration
@pytest.mark.asyncio(loop_scope="session")
async def test_the_newest_hits_come_from_the_last_weeks_first_and_from_all_when_too_few(db) -> None:
    marker = uuid.uuid4().hex[:8]
    now = datetime.now(timezone.utc)
    keys = {}
    for days in (400, 40, 3, 2, 1):
        keys[days] = f"search-{marker}-{days}"
        await transcribed_recording(db, keys[days], words_of(f"예약 {marker}"),
                                    recorded_at=now - timedelta(days=days))
    newest = [keys[d] for d in (1, 2, 3, 40, 400)]
    for limit in (1, 3, 4, 10):
        found = await search(db, marker, None, limit=limit)
        assert [f.call_key for f in found] == newest[:limit], limit
