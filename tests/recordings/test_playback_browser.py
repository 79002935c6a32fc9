"""The player in Debian's chromium against the real product: a supervisor opens a recording of
their team's call, the waveform is drawn with the paused stretch, a click on it seeks and plays
from there; the transcript's place says there is none yet, in Chinese too. An agent plays their own recent
call from the console's recordings card. Both plays are in the audit log. A click on a word
of the transcript of a real call in Korean (recorded, transcribed by vosk) seeks there and
marks the word."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from crm_core.teams import set_led_teams

from tests.helpers.accounts import Account, make_user
from tests.helpers.browser import checked_page, log_in
from tests.helpers.korean_calls import korean_call, korean_queue
from tests.helpers.playback import audit_of, stored_call_recording
from tests.helpers.recordings import stored_recording
from tests.helpers.speech import KO_RECOGNISED
from tests.helpers.transcribed import transcript_of
from tests.helpers.waiting import poll_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

SECONDS = 8
WATCH_SEEKS = """(audio) => {
  window.seeks = [];  // [time, the word marked current] at each timeupdate, after the player's
  audio.addEventListener("timeupdate", () => window.seeks.push(
    [audio.currentTime, document.querySelector(".rec-word.current")?.textContent ?? null]));
}"""
DRAWN_PIXELS = """(canvas) => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i]) drawn++;
  return drawn;
}"""


@pytest_asyncio.fixture(loop_scope="session")
async def player_page(browser: Browser, cti) -> AsyncIterator[Page]:
    async with checked_page(browser, cti.url, viewport={"width": 1400, "height": 900}) as page:
        yield page


async def _recorded_call(cti, db, tmp_path: Path, agent: Account | None, **details):
    """A call of AGENT's, SECONDS long, recorded and stored in the product's storage."""
    return await stored_call_recording(db, cti.server.recordings.storage, agent, tmp_path,
                                       seconds=SECONDS, **details)


async def _playing_from(page: Page, at: float) -> None:
    """The audio plays on from AT seconds."""
    audio = page.locator(".rec-audio")
    await expect(audio).to_have_js_property("paused", False)
    await poll_until(lambda: _past(audio, at + 0.3), f"playing on from {at} s", 10)


async def _past(audio, at: float) -> bool:
    return await audio.evaluate("(a) => a.currentTime") > at


async def test_a_supervisor_plays_seeks_and_sees_the_waveform(cti, db, player_page: Page,
                                                              tmp_path: Path) -> None:
    page = player_page
    team = "Jürgen 张伟 😀"
    agent = await make_user(db, "agent", team=team)
    supervisor = await make_user(db, "supervisor")
    await set_led_teams(db, supervisor.id, [team])
    recording = await _recorded_call(cti, db, tmp_path, agent,
                                     pauses=((2.0, 3.0, "agent"), (4.0, 5.0, "ivr")))

    await log_in(page, supervisor.username, supervisor.password,
                 next_path=f"/recordings/{recording.id}")
    wave = page.locator(".rec-wave")
    await expect(wave).to_have_attribute("data-peaks", str(len(range(0, recording.duration_ms, 50))))
    assert await wave.evaluate(DRAWN_PIXELS) > 1000
    await expect(page.locator(".rec-pauses")).to_contain_text("0:02 to 0:03, 0:04 to 0:05 (by the IVR)")
    await expect(page.locator(".rec-transcript")).to_have_text("No transcript yet.")
    await expect(page.locator(".rec-download")).to_be_visible()

    box = await wave.bounding_box()
    await wave.click(position={"x": box["width"] * 0.5, "y": box["height"] / 2})
    await _playing_from(page, SECONDS * 0.5 - 0.2)

    plays = [e for e in await audit_of(db, recording.id) if e.action == "play"]
    assert plays and {e.actor for e in plays} == {supervisor.username}

    await page.goto(f"/recordings/{recording.id}?lang=zh_CN")
    await expect(page.locator(".rec-transcript")).to_have_text("还没有转写文本。")
    await expect(page.locator(".rec-pauses")).to_have_text(
        "暂停 2 次：0:02 至 0:03, 0:04 至 0:05（IVR 暂停）")


async def test_an_agent_plays_their_own_call_from_the_console(cti, db, player_page: Page,
                                                              tmp_path: Path) -> None:
    page = player_page
    agent = await make_user(db, "agent")
    recording = await _recorded_call(cti, db, tmp_path, agent)

    await log_in(page, agent.username, agent.password, next_path="/console")
    entry = page.locator(f"#rec-recent button[data-recording='{recording.id}']")
    await entry.click()
    await expect(page.locator(".rec-player")).to_have_attribute("data-recording", str(recording.id))
    await expect(page.locator(".rec-wave")).to_have_attribute("data-peaks", str(len(range(0, recording.duration_ms, 50))))
    await expect(page.locator(".rec-download")).to_be_hidden()
    await page.locator(".rec-audio").evaluate("(a) => a.play()")
    await _playing_from(page, 0)
    assert [e.actor for e in await audit_of(db, recording.id)][0] == agent.username


async def test_a_click_on_a_word_of_the_transcript_seeks_there(cti, db, player_page: Page,
                                                              new_queue, new_extension) -> None:
    page = player_page
    admin = await make_user(db, "admin")
    key = await korean_call(cti, await korean_queue(cti, new_queue), new_extension(), talk=3)
    recording = await poll_until(lambda: stored_recording(db, key), "the transcribed call", 90)
    words = (await transcript_of(db, key)).words
    said = next(w for w in words if w["word"] == KO_RECOGNISED[-1])

    await log_in(page, admin.username, admin.password, next_path=f"/recordings/{recording.id}")
    spoken = page.locator(".rec-transcript .rec-word")
    await expect(spoken).to_have_text([w["word"] for w in words])
    audio = page.locator(".rec-audio")
    await audio.evaluate(WATCH_SEEKS)
    await spoken.nth(words.index(said)).click()
    [(at, current)] = await poll_until(lambda: audio.evaluate("() => window.seeks.slice(0, 1)"),
                                       "the seek", 10)
    assert at == pytest.approx(said["start"], abs=0.05) and current == said["word"]
    await _playing_from(page, said["start"])
