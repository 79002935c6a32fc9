"""`callcenter` command line: the product's one entry point."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import date
from pathlib import Path

from callcenter.settings import Settings, get_settings


def _sandbox(settings: Settings):
    from asterisk_conf.sandbox import Sandbox
    from callcenter.demo import (
        CAMPAIGN_QUEUE, DEMO_AGENTS, DEMO_CAMPAIGN_AGENTS, DEMO_QUEUES, DEMO_SOFTPHONE_AGENTS,
    )

    return Sandbox(settings, queues=[*DEMO_QUEUES, CAMPAIGN_QUEUE],
                   sim_agents=[*DEMO_AGENTS, *DEMO_CAMPAIGN_AGENTS],
                   softphones=list(DEMO_SOFTPHONE_AGENTS))


def cmd_asterisk(args: argparse.Namespace, settings: Settings) -> int:
    sandbox = _sandbox(settings)
    if args.action == "up":
        sandbox.start()
        print(json.dumps(sandbox.status(), indent=2))
    elif args.action == "down":
        sandbox.stop()
    elif args.action == "status":
        print(json.dumps(sandbox.status(), indent=2))
    else:
        print(sandbox.cli(" ".join(args.command)), end="")
    return 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from crm_core.db import ensure_embedded_postgres, stop_embedded_postgres, upgrade

    if args.action == "stop":
        if settings.database_url is not None:
            raise SystemExit("DATABASE_URL is set: that server is yours to stop")
        pid = stop_embedded_postgres(settings.data_dir)
        print(f"embedded PostgreSQL (pid {pid}) stopped" if pid else "embedded PostgreSQL was not running")
        return 0
    url = ensure_embedded_postgres(settings.database_url, settings.data_dir)
    upgrade(url)
    print("database migrated to head")
    return 0


def cmd_i18n(args: argparse.Namespace, settings: Settings) -> int:
    from agent_console.catalogs import ROOT, refresh

    for path in refresh(tuple(args.new_language)):
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


def cmd_screenshots(args: argparse.Namespace, settings: Settings) -> int:
    """Refresh docs/screenshots/ (in a checkout): the screenshot test on the real stack."""
    import os
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "CALLCENTER_SCREENSHOTS": str(root / "docs" / "screenshots")}
    return subprocess.call([sys.executable, "-m", "pytest", "-q", "tests/screenshots"],
                           cwd=root, env=env)


def read_password(args: argparse.Namespace) -> str | None:
    """The new password from stdin (one line) or a prompt; never from the command line, where
    it would show in the process list and the shell history."""
    from crm_core.passwords import password_problem

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif args.ask_password:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise SystemExit("the passwords differ")
    else:
        return None
    if problem := password_problem(password):
        raise SystemExit(problem)
    return password


def cmd_user(args: argparse.Namespace, settings: Settings) -> int:
    from crm_core.users import ensure_user
    from callcenter.runtime import migrated_database

    password = read_password(args)

    async def add() -> str:
        db = await migrated_database(settings)
        try:
            _, token = await ensure_user(
                db, args.username, display_name=args.name or args.username, role=args.role,
                extension=args.extension, interface=args.interface, team=args.team,
                password=password,
            )
            return token
        finally:
            await db.close()

    token = asyncio.run(add())
    login = "password set" if password is not None else "password unchanged"
    print(f"user {args.username} ({args.role}) saved, {login}; API token: {token}")
    return 0


def cmd_leads(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from pydantic import ValidationError

    from callcenter.errors import DomainError
    from callcenter.runtime import migrated_database
    from dialer.store import LeadImport, parse_mapping

    console = Console()
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
               TextColumn("{task.fields[rows]} rows"), TimeRemainingColumn())

    async def run():
        db = await migrated_database(settings)
        try:
            job = await LeadImport.open(
                db, args.campaign, args.file, parse_mapping(",".join(args.map).split(",")),
                default_region=args.region or settings.default_region,
                report_dir=settings.dialer_dir / "reports", list_name=args.name)
            with Progress(*columns, console=console) as bar:
                task = bar.add_task(f"importing {args.file.name}", total=job.status.total_bytes,
                                    rows=0)
                return await job.run(lambda status: bar.update(
                    task, completed=status.bytes_read, rows=status.rows_read))
        finally:
            await db.close()

    try:
        status = asyncio.run(run())
    except (DomainError, ValidationError) as error:
        raise SystemExit(f"import refused: {error}") from None
    console.print(
        f"lead list {status.list_id} of campaign {status.campaign}: {status.rows_read} rows read,"
        f" {status.loaded} leads loaded ({status.dnc} on a do-not-call list, {status.ambiguous}"
        f" in several time zones), {status.merged} merged into the campaign's leads,"
        f" {status.duplicates} repeated in the file, {status.bad} rejected; {status.customers_linked}"
        f" linked to CRM customers (the others get theirs when first reached)", highlight=False,
        soft_wrap=True)
    console.print(f"error report ({status.error_lines} lines): {status.error_report_path}",
                  highlight=False, soft_wrap=True)
    return 0


def cmd_dnc(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter.runtime import migrated_database
    from dialer.store import load_national_dnc

    async def run():
        db = await migrated_database(settings)
        try:
            return await load_national_dnc(db, args.file, country=args.country.upper(),
                                           released_on=args.released, name=args.name)
        finally:
            await db.close()

    loaded = asyncio.run(run())
    print(f"national do-not-call list for {loaded.country} released {loaded.released_on}:"
          f" {loaded.count} numbers loaded, {loaded.bad} rows that are no number skipped,"
          f" {loaded.leads_marked} leads marked do-not-call")
    return 0


def cmd_ivr(args: argparse.Namespace, settings: Settings) -> int:
    """Checks flow files as the CTI server loads them: each problem as FILE:LINE: REASON."""
    from ivr.admin import check_flow_files

    paths = args.files or sorted(settings.ivr_flows_dir.glob("*.yaml"))
    flows, problems = check_flow_files(paths)
    for problem in problems:
        print(problem)
    print(f"{len(flows)} flows without a problem: {', '.join(sorted(flows)) or 'none'};"
          f" {len(problems)} problems")
    return 1 if problems or not flows else 0


def _stop_on_signals(stop: asyncio.Event) -> None:
    """SIGINT (Ctrl-C) and SIGTERM stop in order; a second one ends the process at once."""
    def stopping() -> None:
        if stop.is_set():
            print("stopping at once: what was started may still run (README: Stopping the demo)",
                  flush=True)
            os._exit(1)
        print("\nstopping...", flush=True)
        stop.set()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stopping)


def reload_flows_on_sighup(load: Callable[[], Awaitable[None]]) -> None:
    """SIGHUP (``kill -HUP``, as daemons reread their configuration): ``load`` reads the IVR's
    flows folder again, as ``POST /admin/ivr/reload`` does."""
    loop = asyncio.get_running_loop()
    reloading: set[asyncio.Task] = set()  # a task the loop only weakly holds

    def done(task: asyncio.Task) -> None:
        reloading.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logging.getLogger(__name__).error("reloading the IVR flows failed: %s",
                                              task.exception())

    def reload() -> None:
        task = loop.create_task(load())
        reloading.add(task)
        task.add_done_callback(done)
    loop.add_signal_handler(signal.SIGHUP, reload)


async def _serve(settings: Settings, *, demo: bool) -> None:
    """Bring the product up, wait for a signal, stop what this command started, newest first."""
    from asterisk_conf.sandbox import ensure_ami_secret
    from callcenter.runtime import on_exit, owned_database, start_services

    stop = asyncio.Event()
    _stop_on_signals(stop)
    began = 0.0
    dial_variables = None
    if demo:  # the dialer calls the sandbox's simulated customers
        from asterisk_conf.simulation import CUSTOMER_DIAL_STRING
        from callcenter.demo import CUSTOMERS

        settings = settings.model_copy(update={"dialer_dial_string": CUSTOMER_DIAL_STRING})
        dial_variables = CUSTOMERS.variables
    async with AsyncExitStack() as stack:
        secret = settings.ami_secret or ensure_ami_secret(settings)
        sandbox = await _owned_sandbox(stack, settings) if demo else None
        db = await owned_database(stack, settings)
        running = await start_services(settings, db, ami_secret=secret, sandbox=sandbox,
                                       dial_variables=dial_variables)
        on_exit(stack, f"CTI server and web ({running.url})", running.stop)
        reload_flows_on_sighup(running.server.ivr.load)
        if demo:
            await _start_demo(stack, settings, db, running, sandbox)
        print(f"CTI server and web up at {running.url}  (Ctrl-C stops)", flush=True)
        await stop.wait()
        began = time.monotonic()
    print(f"stopped in {time.monotonic() - began:.1f} s", flush=True)


async def _owned_sandbox(stack: AsyncExitStack, settings: Settings):
    """The demo's Asterisk sandbox, started; stopped on exit unless it was running before."""
    from callcenter.runtime import in_thread, left_running, on_exit

    sandbox = _sandbox(settings)
    if pid := sandbox.pid():
        left_running(stack, f"Asterisk sandbox '{settings.sandbox_name}' (pid {pid})")
    else:
        on_exit(stack, f"Asterisk sandbox '{settings.sandbox_name}'", in_thread(sandbox.stop))
    await asyncio.get_running_loop().run_in_executor(None, sandbox.start)
    return sandbox


async def _start_demo(stack: AsyncExitStack, settings: Settings, db, running, sandbox) -> None:
    from callcenter import demo
    from callcenter.runtime import on_exit
    from crm_core.demo_data import seed

    await seed(db, default_region=settings.default_region)
    await demo.define_demo_queues(db)
    await running.server.apply_queues(sandbox)
    logins = await demo.create_demo_users(db)
    ami = running.server.ami
    await asyncio.wait_for(ami.connected.wait(), 30)
    await demo.log_in_demo_agents(ami)
    await running.server.pops.load_agents()
    leads = await demo.start_demo_campaign(db, settings)
    plan = await demo.demo_traffic(db)
    print(f"\nLog in at {running.url}/login (agents see live screen pops of the simulated calls;"
          f" {', '.join(f'agent{e}' for e in demo.DEMO_SOFTPHONE_AGENTS)} takes them in the"
          " browser's softphone after logging in to a queue):")
    for username, password in logins.items():
        print(f"  {username:<12} {password}")
    print(f"\n{demo.describe_traffic(plan)}\n{demo.describe_campaign(leads)}\n")
    callers = asyncio.create_task(demo.simulate_callers(ami, plan))

    async def stop_callers() -> None:
        callers.cancel()
        await asyncio.gather(callers, return_exceptions=True)
    on_exit(stack, "simulated callers", stop_callers)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(_serve(settings, demo=False))
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(_serve(settings, demo=True))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="callcenter", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    ast = sub.add_parser("asterisk", help="the Asterisk sandbox (demo and tests)")
    ast.add_argument("action", choices=["up", "down", "status", "cli"])
    ast.add_argument("command", nargs="*", help="for cli: the Asterisk CLI command")
    ast.set_defaults(func=cmd_asterisk)

    db = sub.add_parser("db", help="database")
    db.add_argument("action", choices=["upgrade", "stop"])
    db.set_defaults(func=cmd_db)

    user = sub.add_parser("user", help="users")
    user_sub = user.add_subparsers(dest="action", required=True)
    add = user_sub.add_parser("add", help="create or update a user; prints its API token")
    add.add_argument("username")
    add.add_argument("--role", choices=["agent", "supervisor", "admin", "marketing"], default="agent")
    add.add_argument("--name")
    add.add_argument("--extension")
    add.add_argument("--interface", help="queue member interface, e.g. PJSIP/1001")
    add.add_argument("--team")
    password = add.add_mutually_exclusive_group()
    password.add_argument("--password-stdin", action="store_true",
                          help="read the login password from the first line of stdin")
    password.add_argument("--ask-password", action="store_true",
                          help="prompt for the login password")
    add.set_defaults(func=cmd_user)

    i18n = sub.add_parser("i18n", help="the screens' translations")
    i18n.add_argument("action", choices=["extract"],
                      help="extract the strings into the .pot files and update every .po")
    i18n.add_argument("--new-language", action="append", default=[], metavar="CODE",
                      help="also start a catalog for this language (e.g. fr, pt_BR)")
    i18n.set_defaults(func=cmd_i18n)

    sub.add_parser("screenshots", help="refresh docs/screenshots/ (a checkout with the tests)"
                   ).set_defaults(func=cmd_screenshots)

    leads = sub.add_parser("leads", help="the dialer's lead lists")
    leads_sub = leads.add_subparsers(dest="action", required=True)
    imp = leads_sub.add_parser("import", help="import a CSV or XLSX lead list into a campaign")
    imp.add_argument("file", type=Path)
    imp.add_argument("--campaign", required=True)
    imp.add_argument("--map", action="append", required=True, metavar="FIELD=Column,...",
                     help="which column holds what: phone=Phone,first_name=Vorname,"
                          "alt_phones=Mobil,custom.tier=Stufe (repeatable)")
    imp.add_argument("--region", help="country of numbers written without +country "
                                      "(default: CALLCENTER_DEFAULT_REGION)")
    imp.add_argument("--name", help="the list's name (default: the file's)")
    imp.set_defaults(func=cmd_leads)

    dnc = sub.add_parser("dnc", help="do-not-call lists")
    dnc_sub = dnc.add_subparsers(dest="action", required=True)
    load = dnc_sub.add_parser("load", help="load a release of a national do-not-call register"
                                           " (a CSV of numbers); it replaces the country's last")
    load.add_argument("file", type=Path)
    load.add_argument("--country", required=True, help="ISO 3166 code: US, GB, FR")
    load.add_argument("--released", required=True, type=date.fromisoformat,
                      help="the release's date, YYYY-MM-DD")
    load.add_argument("--name")
    load.set_defaults(func=cmd_dnc)

    ivr = sub.add_parser("ivr", help="IVR flows")
    ivr_sub = ivr.add_subparsers(dest="action", required=True)
    check = ivr_sub.add_parser(
        "check", help="check flow files as the CTI server loads them (goto and survey flows"
                      " among them); prints FILE:LINE: REASON per problem, exit status 1 on any")
    check.add_argument("files", nargs="*", type=Path, metavar="FILE",
                       help="YAML flow files (default: every *.yaml of CALLCENTER_IVR_FLOWS_DIR)")
    check.set_defaults(func=cmd_ivr)

    sub.add_parser("serve", help="CTI server and web on your Asterisk and database").set_defaults(func=cmd_serve)
    sub.add_parser("demo", help="everything on embedded defaults, with simulated calls").set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for chatty in ("embedded_postgres", "alembic"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    return args.func(args, get_settings())


if __name__ == "__main__":
    sys.exit(main())
