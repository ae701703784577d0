"""Fixtures for the workspace contract: fake tools on PATH, a code-server stand-in on
127.0.0.1, and fake roots (/proc, /dev, sockets, /workspaces, CODEX_HOME) in temp dirs."""

from __future__ import annotations

import http.server
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

VERSIONS = {
    "go": "go version go{v} linux/amd64",
    "node": "v{v}",
    "pnpm": "{v}",
    "uv": "uv {v} (abc 2026-01-01)",
    "buf": "{v}",
}


def fake_tool(bin_dir: Path, tool: str, version: str) -> Path:
    """An executable that answers `<tool> --version` (or `go version`) like the real one."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    p = bin_dir / tool
    p.write_text(f"#!/bin/sh\necho '{VERSIONS[tool].format(v=version)}'\n")
    p.chmod(0o755)
    return p


def fake_path(bin_dir: Path, **versions: str) -> dict[str, str]:
    """An environment whose PATH holds only fake tools (plus /usr/bin:/bin for sh)."""
    for tool, v in versions.items():
        fake_tool(bin_dir, tool, v)
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin"
    return env


class _Handler(http.server.BaseHTTPRequestHandler):
    mode = "alive"
    requests: list[str] = []  # noqa: RUF012 - per-server subclass replaces it

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        mode = type(self).mode
        if mode == "timeout":
            time.sleep(1.5)
            return
        if self.path != "/healthz":
            self.send_error(404)
            return
        if mode == "502":
            body = b"<html>502 Bad Gateway</html>"
            self.send_response(502)
        elif mode == "html":
            body = b"<html>some other app</html>"
            self.send_response(200)
        else:
            beat = int(time.time() * 1000) - 90_000
            doc: dict[str, object] = {
                "no-beat": {"status": "alive"},
                "zero": {"status": "alive", "lastHeartbeat": 0},
                "old": {"status": "alive", "lastHeartbeat": beat - 3_600_000},
                "odd": {"status": "sleeping", "lastHeartbeat": "soon"},
            }.get(mode, {"status": mode, "lastHeartbeat": beat})
            body = json.dumps(doc).encode()
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def code_server() -> Iterator[Callable[[str], str]]:
    """`code_server(mode)` -> the base URL of a stand-in answering /healthz with mode
    alive | expired (heartbeat 90 s ago) | old (alive, an hour ago) | zero (lastHeartbeat 0) |
    no-beat (no lastHeartbeat) | odd (unknown values) | 502 | html | timeout (never answers
    within 1.5 s)."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(mode: str) -> str:
        handler = type("Handler", (_Handler,), {"mode": mode, "requests": []})
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}"

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()
