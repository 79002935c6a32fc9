"""The flow engine over our FastAGI server (adapter): the FastAGI script ``ivr?flow=NAME``.

Each engine command becomes AGI commands: prompts ``STREAM FILE`` (keys cut them short; text
prompts rendered to audio first by ``voice``), keys ``GET DATA`` / ``WAIT FOR DIGIT``, readouts
``SAY DIGITS|NUMBER|DATE``, a speech menu's answer ``RECORD FILE`` (ended by silence or a key) heard
by ``hearing`` (no hearing: nothing is heard, the menu's keys still work), the call's language ``CHANNEL(language)``, call data the
collected-data path (screen pop, CRM row), self-service (callback, opt-out) the ``SelfService``
given, a survey's score call data too (the call's CRM row keeps it), a sensitive node's keys with the call's recording paused
(``recording``: the recordings domain's pauses, marked "ivr"). A queue hands the call back to
the dialplan, into the queue context's extension QUEUE (QUEUE_PRIO set first: VIP callers join ahead; CC_SURVEY: the flow the caller
stays for once the agent hangs up), so the call is queued, counted and popped as any inbound
call, and the AGI session ends at once; a voicemail goes the same way to the closed queues'
``cc-closed,voicemail_ticket``. The node events go to ``on_events`` when the call leaves the
flow, however it leaves.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Literal, Protocol

from callcenter.errors import Conflict
from ctiserver.acd.routing import QueueRule
from ctiserver.agi.protocol import AgiHangup, AgiReply
from ctiserver.agi.server import AgiSession, Handler
from crm_core.values import SURVEY_SCORE
from ctiserver.calls.collected import CollectedRecorder
from ivr import commands as cmd
from ivr.engine import FlowEngine, NodeEvent
from ivr.flow import DIGITS, Flow, Prompt, Value

log = logging.getLogger(__name__)

LookupSource = Callable[[cmd.Lookup], Awaitable[Mapping[str, Value] | None]]
CalendarSource = Callable[[datetime], Awaitable[Mapping[str, QueueRule]]]
"""The queues' calendars (business hours, holidays) as of the given time."""
EventSink = Callable[[list[NodeEvent]], None]
TextVoice = Callable[[str, str], Awaitable[str | None]]
"""(text, language) -> the audio file that says it, as Asterisk plays it (no extension); None:
none could be made."""


class Hearing(Protocol):
    """Speech menus' ears (``ivr.speech.SpeechInput``)."""
    def record_as(self, name: str) -> tuple[str, str]: ...
    def discard(self, name: str) -> None: ...
    async def hear(self, name: str, language: str, phrases: Sequence[str]) -> cmd.Heard: ...


class RecordingPauses(Protocol):
    """Pausing the call's recording (``recordings.capture.RecordingCapture``); ``Conflict``:
    the call is not being recorded, or is paused already."""
    async def pause(self, call_key: str, by: Literal["ivr"]) -> object: ...
    async def resume(self, call_key: str) -> object: ...


class SelfService(Protocol):
    async def callback(self, queue: str, number: str, call_key: str) -> None: ...
    async def opt_out(self, number: str) -> None: ...


PROMPT_TIMEOUT = 300.0
"""Seconds a prompt or a readout may play."""
FILLER = "silence/1"
"""What GET DATA plays when there is nothing to say (it needs a file)."""


class IvrService:
    def __init__(self, flows: Mapping[str, Flow], *, lookup: LookupSource,
                 calendars: CalendarSource, on_events: EventSink, queue_context: str,
                 collected: CollectedRecorder | None = None, voice: TextVoice | None = None,
                 self_service: SelfService | None = None, hearing: Hearing | None = None,
                 recording: RecordingPauses | None = None, prompt_folder: str = "",
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.flows = flows
        self.lookup, self.calendars, self.on_events = lookup, calendars, on_events
        self.queue_context = queue_context
        self.collected, self.voice, self.self_service = collected, voice, self_service
        self.hearing, self.recording = hearing, recording
        self.prompt_folder = prompt_folder.rstrip("/")
        self.clock = clock

    def handlers(self) -> dict[str, Handler]:
        """For ``fastagi.dispatch``."""
        return {"ivr": self.handle}

    async def handle(self, session: AgiSession) -> None:
        name = session.params.get("flow", "")
        flows = dict(self.flows)  # as they are now: a reload changes no call under way
        if name not in flows:
            log.warning("ivr: no flow %r (channel %s)", name, session.env.get("agi_channel"))
            return
        now = self.clock()
        engine = FlowEngine(flows, name, caller=session.environment.caller, now=now,
                            calendars=await self.calendars(now))
        call = IvrCall(self, session)
        try:
            command = engine.start()
            while (answer := await call.run(command)) is not None:
                command = engine.feed(answer)
        finally:
            self.on_events(engine.take_events())


class IvrCall:
    """One call's AGI side: runs a command, gives the engine's answer (None after a final one)."""

    def __init__(self, service: IvrService, session: AgiSession) -> None:
        self.service, self.session = service, session
        self.language = session.env.get("agi_language", "")

    async def run(self, command: cmd.Command) -> cmd.Answer | None:
        if self.session.hungup and not isinstance(command, cmd.FINAL):
            return cmd.HungUp()
        try:
            answer = await self._run(command)
        except AgiHangup:
            answer = cmd.HungUp()
        if isinstance(command, cmd.FINAL):
            return None
        return cmd.HungUp() if self.session.hungup else answer

    async def _run(self, command: cmd.Command) -> cmd.Answer:
        match command:
            case cmd.Play():
                await self._speak(command.language)
                await self._play(command.prompt, "")
            case cmd.Say():
                await self._speak(command.language)
                await self._say(command)
            case cmd.GetDigits() if command.sensitive:
                await self._speak(command.language)
                return await self._unrecorded(command)
            case cmd.GetDigits():
                await self._speak(command.language)
                return await self._digits(command)
            case cmd.Record():
                await self._speak(command.language)
                return await self._hear(command)
            case cmd.Lookup():
                return await self._lookup(command)
            case cmd.SetData():
                if self.service.collected is not None:
                    await self.service.collected.record_agi(self.session, command.values)
            case cmd.Score():  # on the call, still tracked: its CRM row keeps it (crm_core.values)
                if self.service.collected is not None:
                    await self.service.collected.record_agi(
                        self.session, {SURVEY_SCORE: str(command.score)})
            case cmd.Callback() | cmd.OptOut():
                await self._self_service(command)
            case cmd.Route():
                await self._queue(command)
            case cmd.Voicemail():
                await self._voicemail(command)
            case cmd.Hangup():
                if not self.session.hungup:
                    await self._speak(command.language)
                    await self._play(command.prompt, "")
                    await self.session.command("HANGUP")
        return cmd.Done()

    async def _speak(self, language: str) -> None:
        if language != self.language:
            await self.session.set_variable("CHANNEL(language)", language)
            self.language = language

    async def _play(self, prompt: Prompt | None, keys: str) -> None:
        audio = await self._audio(prompt)
        if audio is not None:
            await self._stream(audio, keys)

    async def _stream(self, audio: str, keys: str) -> str | None:
        """The key that cut the prompt short."""
        reply = await self.session.command("STREAM FILE", audio, keys, timeout=PROMPT_TIMEOUT)
        return reply.digit

    async def _audio(self, prompt: Prompt | None) -> str | None:
        if prompt is None:
            return None
        if prompt.sound is not None:
            return prompt.sound
        if prompt.file is not None:
            return f"{self.service.prompt_folder}/{prompt.file}"
        if self.service.voice is None:
            log.warning("ivr: text prompt %r skipped: no text-to-speech", prompt.text)
            return None
        return await self.service.voice(prompt.text or "", self.language)

    async def _say(self, say: cmd.Say) -> None:
        value = say.value
        if say.kind == "date":
            try:
                value = str(_epoch(value))
            except ValueError:
                log.warning("ivr: %r is no date to say", value)
                return
        elif not value.lstrip("-").isdigit():
            log.warning("ivr: %r is no %s to say", value, say.kind)
            return
        verb = {"digits": "SAY DIGITS", "number": "SAY NUMBER", "date": "SAY DATE"}[say.kind]
        await self.session.command(verb, value, "", timeout=PROMPT_TIMEOUT)

    async def _digits(self, ask: cmd.GetDigits) -> cmd.Digits:
        """The prompts but the last play with keys cutting them short; the last one (or a
        filler) through GET DATA, which collects the rest."""
        audio = [a for a in [await self._audio(p) for p in ask.prompts] if a is not None]
        first = ""
        for file in audio[:-1]:
            first = await self._stream(file, DIGITS) or ""
            if first:
                break
        if first and (ask.max_digits == 1 or first == ask.terminator):
            return cmd.Digits(first.rstrip("#") if ask.terminator else first)
        if not first and not audio and ask.max_digits == 1:
            reply = await self.session.command("WAIT FOR DIGIT", str(int(ask.timeout * 1000)),
                                               timeout=ask.timeout + PROMPT_TIMEOUT)
            return cmd.Digits(reply.digit or "")
        file = audio[-1] if audio and not first else FILLER
        reply = await self._get_data(file, ask, ask.max_digits - len(first))
        if reply.result == "-1" and file != FILLER and not self.session.hungup:
            log.error("ivr: prompt %s did not play (missing?): the keys are asked for unprompted",
                      file)
            reply = await self._get_data(FILLER, ask, ask.max_digits - len(first))
        return _keys(first, reply)

    async def _unrecorded(self, ask: cmd.GetDigits) -> cmd.Digits:
        """A sensitive node's keys with the call's recording paused; a caller who hangs up
        meanwhile leaves it paused, a stretch the recording's end closes."""
        paused = await self._pause_recording()
        try:
            return await self._digits(ask)
        finally:
            if paused and not self.session.hungup:
                await self._resume_recording()

    async def _pause_recording(self) -> bool:
        """Whether this pause took effect (not: not recorded, or paused already)."""
        if self.service.recording is None:
            return False
        try:
            await self.service.recording.pause(self._call_key, "ivr")
        except Conflict:
            return False
        return True

    async def _resume_recording(self) -> None:
        assert self.service.recording is not None
        try:
            await self.service.recording.resume(self._call_key)
        except Conflict:  # the recording ended meanwhile
            pass

    @property
    def _call_key(self) -> str:
        return self.session.env.get("agi_uniqueid", "")

    async def _get_data(self, file: str, ask: cmd.GetDigits, max_digits: int) -> AgiReply:
        """GET DATA's ``-1``: the caller hung up, or ``file`` could not be played."""
        return await self.session.command("GET DATA", file, str(int(ask.timeout * 1000)),
                                          str(max_digits), timeout=ask.timeout + PROMPT_TIMEOUT)

    async def _hear(self, ask: cmd.Record) -> cmd.Heard | cmd.Digits:
        """The prompts play (one of the menu's keys cuts them short and is the answer), then
        the answer is recorded until ``silence_seconds`` of silence (whole seconds: RECORD
        FILE's unit), ``max_seconds`` or a key, and heard."""
        for prompt in ask.prompts:
            audio = await self._audio(prompt)
            if audio is not None and (key := await self._stream(audio, ask.keys)):
                return cmd.Digits(key)
        hearing = self.service.hearing
        if hearing is None:
            log.warning("ivr: speech menu hears nothing: no speech recognition")
            return cmd.Heard("")
        name = f"heard-{uuid.uuid4().hex}"
        recorded_as, audio_format = hearing.record_as(name)
        reply = await self.session.command(
            "RECORD FILE", recorded_as, audio_format, ask.keys,
            str(int(ask.max_seconds * 1000)), "0", f"s={max(1, round(ask.silence_seconds))}",
            timeout=ask.max_seconds + PROMPT_TIMEOUT)
        if reply.result == "-1" and reply.data == "writefile":
            log.error("ivr: Asterisk cannot write %s: the speech menu's keys decide", name)
            return cmd.Heard("")
        if reply.result == "-1":
            raise AgiHangup("RECORD FILE: the caller hung up")
        if reply.data == "dtmf" and (key := reply.digit):  # else result is no key
            hearing.discard(name)
            return cmd.Digits(key)
        return await hearing.hear(name, self.language, ask.phrases)

    async def _lookup(self, lookup: cmd.Lookup) -> cmd.Found:
        try:
            return cmd.Found(await self.service.lookup(lookup))
        except Exception:  # the CRM not answering: the flow goes on at its error branch
            log.exception("ivr: %s lookup by %r failed", lookup.record, lookup.value)
            return cmd.Found(failed=True)

    async def _queue(self, route: cmd.Route) -> None:
        for name, value in (("QUEUE_PRIO", str(route.priority)), ("CC_QUEUE", route.queue),
                            ("CC_SURVEY", route.survey or "")):
            await self.session.set_variable(name, value)
        await self._continue_at(self.service.queue_context, route.queue)

    async def _continue_at(self, context: str, extension: str) -> None:
        """Where the dialplan goes on once the script ends."""
        for verb, value in (("SET CONTEXT", context), ("SET EXTENSION", extension),
                            ("SET PRIORITY", "1")):
            await self.session.command(verb, value)

    async def _self_service(self, command: cmd.Callback | cmd.OptOut) -> None:
        service = self.service.self_service
        if service is None:
            log.warning("ivr: %r skipped: no self-service", command)
            return
        match command:
            case cmd.Callback():
                action = service.callback(command.queue, command.number, self._call_key)
            case cmd.OptOut():
                action = service.opt_out(command.number)
        try:
            await action
        except Exception:  # the CRM not answering: the caller still hears the flow's next node
            log.exception("ivr: %r failed", command)

    async def _voicemail(self, box: cmd.Voicemail) -> None:
        """The closed queues' voicemail: a recording and a service ticket for ``mailbox``."""
        await self._speak(box.language)
        await self._play(box.prompt, "")
        for name, value in (("CC_QUEUE", box.mailbox), ("CC_CLOSED_ACTION", "voicemail_ticket"),
                            ("CC_ROUTE_REASON", "ivr")):
            await self.session.set_variable(name, value)
        await self._continue_at("cc-closed", "voicemail_ticket")


def _epoch(value: str) -> int:
    """SAY DATE's seconds for an ISO date or time. Asterisk says the day in its own time zone,
    so a bare date (a ticket's ``created``) is taken at noon UTC: the same day in any zone."""
    at = datetime.fromisoformat(value)
    if len(value) == len("2026-11-30"):
        at = at.replace(hour=12)
    return int((at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp())


def _keys(first: str, reply: AgiReply) -> cmd.Digits:
    if reply.result == "-1":
        raise AgiHangup("GET DATA: the caller hung up")
    keys = first + reply.result
    return cmd.Digits(keys)
