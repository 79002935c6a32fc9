"""A local Asterisk instance run from a Debian sid root folder (demo and tests).

Blocking by design: async callers run these methods in an executor. The Asterisk process
runs inside the root (chroot), so configuration speaks of /srv/NAME and the host of
asterisk_root/srv/NAME.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

from callcenter.settings import Settings

from .credentials import generated_secret, softphone_password
from .simvoices import SOUNDS, install_voices
from .holdmusic import write_hold_music
from .render import QueueSpec
from .sandbox_config import render_config, srv_dir

ASTERISK = "/usr/sbin/asterisk"
MMDEBSTRAP = [
    "mmdebstrap", "--variant=apt",
    # sid's Release file on the mirror is past its Valid-Until date.
    "--aptopt=Acquire::Check-Valid-Until \"false\"",
    "--include=asterisk,asterisk-modules,asterisk-core-sounds-en-gsm", "sid",
]
INSTANCE_DIRS = ("etc", "run", "spool", "log", "lib", "lib/keys", "lib/moh", "lib/moh-hold", "db", "cache")
# Character devices Asterisk opens: (name, major, minor).
DEVICES = (("null", 1, 3), ("zero", 1, 5), ("random", 1, 8), ("urandom", 1, 9))
# Config file -> what reloads it; files not listed need a restart.
RELOADERS = {
    "extensions.conf": "pbx_config", "queues.conf": "app_queue", "manager.conf": "manager",
    "pjsip.conf": "res_pjsip", "logger.conf": "logger", "musiconhold.conf": "res_musiconhold",
    "features.conf": "features", "http.conf": "http", "cdr.conf": "cdr", "cel.conf": "cel",
    "indications.conf": "indications",
}


class SandboxError(RuntimeError):
    pass


def _run(cmd: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def provision(settings: Settings) -> Path:
    """The Asterisk root folder: reused when present, else built once with mmdebstrap."""
    root = settings.asterisk_root
    if (root / ASTERISK.lstrip("/")).exists():
        return root
    if os.geteuid() != 0:
        raise SandboxError(f"building {root} needs root (mmdebstrap, chroot)")
    if shutil.which("mmdebstrap") is None:
        done = _run(["apt-get", "install", "-y", "mmdebstrap"], timeout=600)
        if done.returncode != 0:
            raise SandboxError(f"cannot install mmdebstrap: {done.stderr[-2000:]}")
    # Build beside the target and rename, so a half-built root is never taken for a good one.
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = root.parent / f".{root.name}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    done = _run([*MMDEBSTRAP, str(tmp)], timeout=1800)
    if done.returncode != 0 or not (tmp / ASTERISK.lstrip("/")).exists():
        shutil.rmtree(tmp, ignore_errors=True)
        raise SandboxError(f"mmdebstrap failed to build the Asterisk root: {done.stderr[-3000:]}")
    tmp.rename(root)
    return root


def ensure_ami_secret(settings: Settings) -> str:
    """settings.ami_secret, else one generated once and kept in data_dir (mode 0600)."""
    if settings.ami_secret:
        return settings.ami_secret
    return generated_secret(settings.data_dir, "ami_secret")


def ami_login_ok(host: str, port: int, user: str, secret: str, timeout: float = 2.0) -> bool:
    """True when the AMI port accepts this user's login."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(
                f"Action: Login\r\nUsername: {user}\r\nSecret: {secret}\r\n"
                "Events: off\r\n\r\n".encode()
            )
            data = b""
            while b"\r\n\r\n" not in data.split(b"\r\n", 1)[-1]:
                chunk = sock.recv(4096)
                if not chunk:
                    return False
                data += chunk
            return b"Response: Success" in data
    except OSError:
        return False


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no {path})"


def _alive(pid: int) -> bool:
    """A live process (zombies are dead)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


class Sandbox:
    """One named Asterisk instance inside the shared root folder."""

    def __init__(
        self,
        settings: Settings,
        queues: list[QueueSpec] | None = None,
        sim_agents: list[str] | None = None,
        softphones: list[str] | None = None,
    ) -> None:
        self.settings = settings
        self.queues = list(queues or [])
        self.crm_queues: list[QueueSpec] = []
        """Queues from the CRM (apply_queues); they win over ``queues`` of the same name."""
        self.sim_agents = list(sim_agents or [])
        self.softphones = list(softphones or [])
        """Agent extensions given an in-browser softphone endpoint (render.webrtc_endpoint)."""
        self._proc: subprocess.Popen[bytes] | None = None

    # --- paths --------------------------------------------------------------------
    @property
    def root(self) -> Path:
        return self.settings.asterisk_root

    @property
    def host_dir(self) -> Path:
        return self.settings.sandbox_dir

    @property
    def etc_dir(self) -> Path:
        return self.host_dir / "etc"

    @property
    def queue_log_path(self) -> Path:
        return self.host_dir / "log" / "queue_log"

    @property
    def log_path(self) -> Path:
        return self.host_dir / "log" / "messages"

    @property
    def console_log_path(self) -> Path:
        return self.host_dir / "log" / "console.log"

    @property
    def _pidfile(self) -> Path:
        return self.host_dir / "run" / "asterisk.pid"

    def _asterisk_cmd(self, *args: str) -> list[str]:
        conf = srv_dir(self.settings) / "etc" / "asterisk.conf"
        return ["chroot", str(self.root), ASTERISK, "-C", str(conf), *args]

    # --- lifecycle ----------------------------------------------------------------
    def pid(self) -> int | None:
        try:
            pid = int(self._pidfile.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _alive(pid) else None

    def start(self, timeout: float = 30.0) -> None:
        """Start the instance (idempotent) and wait until the AMI user can log in."""
        secret = ensure_ami_secret(self.settings)
        if self.pid() is not None:
            self._wait_for_ami(secret, timeout)
            return
        provision(self.settings)
        self._prepare()
        self._write_files(self._render(secret))
        self.console_log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.console_log_path, "ab") as console:
            self._proc = subprocess.Popen(
                self._asterisk_cmd("-f"),
                stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
                start_new_session=True,  # not killed with the caller's terminal/process group
            )
        # chroot execs asterisk, so this pid is Asterisk's (which also writes it here).
        self._pidfile.write_text(f"{self._proc.pid}\n")
        self._wait_for_ami(secret, timeout)

    def stop(self, timeout: float = 15.0) -> None:
        pid = self.pid()
        if pid is None:
            return
        try:
            _run(self._asterisk_cmd("-rx", "core stop now"), timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        if not self._wait_exit(pid, timeout):
            os.kill(pid, signal.SIGKILL)
            self._wait_exit(pid, 5)
        self._pidfile.unlink(missing_ok=True)

    def status(self) -> dict[str, object]:
        pid = self.pid()
        return {
            "name": self.settings.sandbox_name,
            "running": pid is not None,
            "pid": pid,
            "root": str(self.root),
            "dir": str(self.host_dir),
            "ami": f"{self.settings.ami_host}:{self.settings.ami_port}",
            "sip": f"127.0.0.1:{self.settings.sandbox_sip_port}",
            "websocket": f"ws://127.0.0.1:{self.settings.sandbox_http_port}/ws",
            "queue_log": str(self.queue_log_path),
            "log": str(self.log_path),
        }

    # --- control ------------------------------------------------------------------
    def cli(self, command: str, timeout: float = 15.0) -> str:
        """Run one CLI command on the running instance (asterisk -rx)."""
        done = _run(self._asterisk_cmd("-rx", command), timeout=timeout)
        if done.returncode != 0:
            raise SandboxError(f"asterisk -rx {command!r} failed: {done.stderr or done.stdout}")
        return done.stdout

    def reload(self, module: str) -> str:
        return self.cli(f"module reload {module}")

    def write_config(self) -> list[str]:
        """Re-render; write and reload what changed. Returns the changed file names."""
        rendered = self._render(ensure_ami_secret(self.settings))
        changed = [
            name for name, text in rendered.items()
            if not (self.etc_dir / name).exists() or (self.etc_dir / name).read_text() != text
        ]
        self._write_files({name: rendered[name] for name in changed})
        if self.pid() is not None:
            for module in sorted({RELOADERS[n] for n in changed if n in RELOADERS}):
                self.reload(module)
        return changed

    async def apply_queues(self, specs: list[QueueSpec]) -> list[str]:
        """Take the CRM's queues; write and reload what changed (crm_core.queues)."""
        self.crm_queues = list(specs)
        return await asyncio.get_running_loop().run_in_executor(None, self.write_config)

    # --- queue_log ----------------------------------------------------------------
    def queue_log_mark(self) -> int:
        """A position in the queue_log; read_queue_log_since() returns what follows it."""
        try:
            return self.queue_log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def read_queue_log_since(self, mark: int) -> str:
        try:
            with open(self.queue_log_path, "rb") as f:
                f.seek(mark)
                data = f.read()
        except FileNotFoundError:
            return ""
        # Only whole lines: Asterisk may be mid-write.
        return data[: data.rfind(b"\n") + 1].decode("utf-8", errors="replace")

    # --- helpers ------------------------------------------------------------------
    def _render(self, secret: str) -> dict[str, str]:
        return render_config(
            self.settings, queues=self._all_queues(), ami_secret=secret, sim_agents=self.sim_agents,
            softphones={ext: softphone_password(self.settings.data_dir, ext) for ext in self.softphones},
        )

    def _all_queues(self) -> list[QueueSpec]:
        return list({q.name: q for q in [*self.queues, *self.crm_queues]}.values())

    def _prepare(self) -> None:
        for name in INSTANCE_DIRS:
            (self.host_dir / name).mkdir(parents=True, exist_ok=True)
        write_hold_music(self.host_dir / "lib" / "moh-hold")
        install_voices(self.root.with_name("sim-voices"), self.host_dir / SOUNDS)
        dev = self.root / "dev"
        dev.mkdir(exist_ok=True)
        for name, major, minor in DEVICES:
            node = dev / name
            if not node.is_char_device():
                node.unlink(missing_ok=True)
                os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(major, minor))
                node.chmod(0o666)

    def _write_files(self, files: dict[str, str]) -> None:
        self.etc_dir.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            path = self.etc_dir / name
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_text(text)
            tmp.chmod(0o600)  # manager.conf holds the AMI secret
            tmp.replace(path)

    def _wait_for_ami(self, secret: str, timeout: float) -> None:
        s = self.settings
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ami_login_ok(s.ami_host, s.ami_port, s.ami_user, secret):
                # AMI accepts logins while modules still load (QueueAdd would be unknown).
                self.cli("core waitfullybooted", timeout=max(deadline - time.monotonic(), 1))
                return
            if self.pid() is None and (self._proc is None or self._proc.poll() is not None):
                raise SandboxError(
                    f"Asterisk '{s.sandbox_name}' exited during start-up:\n"
                    f"{_tail(self.console_log_path)}\n{_tail(self.log_path)}"
                )
            time.sleep(0.2)
        raise SandboxError(
            f"Asterisk '{s.sandbox_name}': no AMI login on port {s.ami_port} after {timeout}s:\n"
            f"{_tail(self.console_log_path)}\n{_tail(self.log_path)}"
        )

    def _wait_exit(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.pid == pid:
                if self._proc.poll() is not None:
                    return True
            elif not _alive(pid):
                return True
            time.sleep(0.1)
        return False
