"""The sandbox instance's whole configuration, rendered from settings (no I/O but templates)."""
from __future__ import annotations

from pathlib import Path, PurePosixPath

from callcenter.settings import Settings

from .render import (
    INBOUND_CONTEXT, DialerDialplan, QueueSpec, render_dialer, templates, webrtc_endpoint,
)

# Modules nothing here uses; skipping them makes start-up fast and quiet (no database,
# hardware, directory or web-service connections attempted).
NOLOAD: tuple[str, ...] = (
    "chan_iax2.so", "chan_motif.so", "chan_unistim.so", "chan_console.so",
    "chan_audiosocket.so", "chan_websocket.so", "chan_rtp.so",
    "cdr_adaptive_odbc.so", "cdr_csv.so", "cdr_custom.so", "cdr_manager.so", "cdr_odbc.so",
    "cdr_pgsql.so", "cdr_radius.so", "cdr_sqlite3_custom.so", "cdr_tds.so",
    "cel_custom.so", "cel_manager.so", "cel_odbc.so", "cel_pgsql.so", "cel_radius.so",
    "cel_sqlite3_custom.so", "cel_tds.so", "res_cdrel_custom.so",
    "res_config_curl.so", "res_config_ldap.so", "res_config_odbc.so", "res_config_pgsql.so",
    "res_config_sqlite3.so", "res_odbc.so", "res_odbc_transaction.so", "func_odbc.so",
    "app_voicemail.so", "app_voicemail_odbc.so", "app_minivm.so", "res_mwi_devstate.so",
    "res_xmpp.so", "res_calendar.so", "res_calendar_caldav.so", "res_calendar_ews.so",
    "res_calendar_exchange.so", "res_calendar_icalendar.so", "res_snmp.so", "res_statsd.so",
    "res_prometheus.so", "res_hep.so", "res_hep_pjsip.so", "res_hep_rtcp.so",
    "res_phoneprov.so", "res_pjsip_phoneprov_provider.so", "res_stir_shaken.so",
    "res_pjsip_stir_shaken.so", "res_geolocation.so", "res_pjsip_geolocation.so",
    "res_fax.so", "res_fax_spandsp.so", "res_smdi.so", "res_aeap.so", "res_speech_aeap.so",
    "res_pjsip_outbound_registration.so", "res_pjsip_outbound_publish.so",
    "res_pjsip_publish_asterisk.so", "res_resolver_unbound.so", "res_http_media_cache.so",
    "res_ari.so", "res_ari_applications.so", "res_ari_asterisk.so", "res_ari_bridges.so",
    "res_ari_channels.so", "res_ari_device_states.so", "res_ari_endpoints.so",
    "res_ari_events.so", "res_ari_model.so", "res_ari_playbacks.so", "res_ari_recordings.so",
    "res_ari_sounds.so", "app_stasis.so", "app_stasis_broadcast.so", "res_stasis_broadcast.so",
    "res_stasis_test.so", "res_websocket_client.so", "res_audiosocket.so",
    "pbx_lua.so", "pbx_dundi.so", "pbx_ael.so", "pbx_realtime.so", "res_ael_share.so",
    "app_festival.so", "app_jack.so", "app_sms.so", "app_alarmreceiver.so",
    "app_adsiprog.so", "app_getcpeid.so", "res_adsi.so", "app_test.so", "res_rtp_multicast.so",
    "app_audiosocket.so", "res_stun_monitor.so", "res_parking.so", "app_agent_pool.so",
    "app_confbridge.so", "app_page.so", "app_followme.so", "res_clialiases.so",
)

# Files some loaded module insists on reading; their defaults are what we want.
STUBS: tuple[str, ...] = (
    "acl.conf", "udptl.conf", "pjproject.conf", "pjsip_wizard.conf", "pjsip_notify.conf",
    "ccss.conf", "queuerules.conf", "amd.conf",
)

TEMPLATES: tuple[str, ...] = (
    "asterisk.conf", "modules.conf", "manager.conf", "extensions.conf", "queues.conf",
    "pjsip.conf", "logger.conf", "http.conf", "musiconhold.conf", "cdr.conf", "cel.conf",
    "features.conf", "indications.conf",
)


def srv_dir(settings: Settings) -> PurePosixPath:
    """The instance folder as Asterisk sees it inside the root."""
    return PurePosixPath("/srv") / settings.sandbox_name


def sound_file(settings: Settings, name: str) -> tuple[Path, str]:
    """Where to write a sound NAME.wav (8 kHz 16-bit mono) on the host, and how Playback
    names it inside the sandbox's root."""
    return (settings.sandbox_dir / "spool" / "sounds" / f"{name}.wav",
            str(srv_dir(settings) / "spool" / "sounds" / name))


def recordings_spool(settings: Settings) -> PurePosixPath:
    """Where MixMonitor writes, as Asterisk sees it (Settings.recordings_spool_host on the host)."""
    if settings.recordings_spool is not None:
        return PurePosixPath(settings.recordings_spool)
    return srv_dir(settings) / "spool" / "recordings"


def dialer_dialplan(settings: Settings) -> DialerDialplan:
    return DialerDialplan(
        context=settings.dialer_context, amd=tuple(settings.dialer_amd),
        connect_limit=settings.dialer_connect_limit, safe_harbor=settings.dialer_safe_harbor_sound,
        optout_key=settings.dialer_optout_key,
    )


def render_config(
    settings: Settings, *, queues: list[QueueSpec], ami_secret: str, sim_agents: list[str],
    softphones: dict[str, str] | None = None,
) -> dict[str, str]:
    """File name -> contents for the instance's etc folder. softphones: extension -> SIP
    password of the agents given a WebRTC endpoint (webrtc_endpoint)."""
    context = {
        "name": settings.sandbox_name,
        "srv": str(srv_dir(settings)),
        "noload": NOLOAD,
        "ami_port": settings.ami_port,
        "ami_user": settings.ami_user,
        "ami_secret": ami_secret,
        "queues": queues,
        "queue_context": settings.queue_context,
        "internal_context": settings.internal_context,
        "outbound_context": settings.outbound_context,
        "hold_context": settings.hold_context,
        "sip_port": settings.sandbox_sip_port,
        "http_port": settings.sandbox_http_port,
        "softphones": {webrtc_endpoint(ext): pw for ext, pw in (softphones or {}).items()},
        "sim_agents": sim_agents,
        "fastagi": f"{settings.fastagi_host}:{settings.fastagi_port}",
        "inbound_context": INBOUND_CONTEXT,
        "ivr_context": settings.ivr_context,
        "ivr_entries": settings.ivr_entries,
        "dialer": render_dialer(dialer_dialplan(settings)),
        "recordings_spool": str(recordings_spool(settings)),
    }
    files = {name: templates.get_template(f"{name}.j2").render(context) for name in TEMPLATES}
    return {name: "; defaults\n" for name in STUBS} | files
