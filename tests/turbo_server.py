"""A real `turborepo-remote-cache` server (npm, installed by scripts/setup into .tools/node),
started on 127.0.0.1 with local-disk storage for the remote-cache tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / ".tools" / "node" / "node_modules" / ".bin" / "turborepo-remote-cache"
SERVER_JS = ROOT / ".tools" / "node" / "node_modules" / "turborepo-remote-cache" / "dist" / "cli.js"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TurboServer:
    """One server process: `start()`, `stop()`, `pause()` (SIGSTOP: accepts connections, never
    answers), `resume()`; artifacts land in `storage/<team>/<hash>`."""

    def __init__(self, workdir: Path, token: str, signature_key: str | None = None) -> None:
        self.workdir = workdir
        self.token = token
        self.signature_key = signature_key
        self.storage = workdir / "storage"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = workdir / "server.log"

    def start(self) -> TurboServer:
        if not SERVER_JS.exists():
            raise RuntimeError(
                f"turborepo-remote-cache is not installed at {SERVER_JS}: run scripts/setup"
            )
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.workdir),
            "NODE_ENV": "production",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "STORAGE_PROVIDER": "local",
            "STORAGE_PATH": str(self.storage),
            "STORAGE_PATH_USE_TMP_FOLDER": "false",
            "TURBO_TOKEN": self.token,
            "LOG_LEVEL": "warn",
        }
        if self.signature_key:
            env["TURBO_REMOTE_CACHE_SIGNATURE_KEY"] = self.signature_key
        cmd = [str(SERVER)] if SERVER.exists() else ["node", str(SERVER_JS)]
        with open(self.log, "ab") as fh:
            self.proc = subprocess.Popen(
                cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text()[-2000:]}")
            req = urllib.request.Request(
                f"{self.url}/v8/artifacts/status", headers={"Authorization": f"Bearer {self.token}"}
            )
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(req, timeout=1) as r,
            ):
                if r.status == 200:
                    return self
            time.sleep(0.1)
        raise RuntimeError(f"the server did not come up: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGCONT)
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def pause(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGCONT)

    def artifacts(self, team: str) -> dict[str, Path]:
        d = self.storage / team
        if not d.is_dir():
            return {}
        return {p.name: p for p in d.iterdir() if not p.name.endswith(".tag")}
