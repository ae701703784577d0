"""Hostile HTTP servers on 127.0.0.1 for the fault suite, each a few lines of `socketserver`.

`Hostile(behaviour)` accepts connections and hands each request (its head already read) to
`behaviour(conn, head, server)`: drip a body one byte at a time, drip the headers, never
answer, announce gigabytes, echo the request's Authorization header back in a 401... `Turbo`
is a minimal, well-behaved Turborepo remote-cache server (GET/PUT/HEAD `/v8/artifacts/<key>`,
bearer token checked) that keeps every artifact it stores, for the sentinel greps."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from collections.abc import Callable

Behaviour = Callable[[socket.socket, bytes, "Hostile"], None]


def read_head(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def read_body(conn: socket.socket, head: bytes) -> bytes:
    """The rest of a request body after its head (Content-Length only)."""
    top, _, body = head.partition(b"\r\n\r\n")
    length = 0
    for line in top.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(min(1 << 20, length - len(body)))
        if not chunk:
            break
        body += chunk
    return body


def header(head: bytes, name: str) -> str | None:
    for line in head.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == name.lower().encode():
            return v.strip().decode("latin-1")
    return None


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        owner = self.server.owner
        conn: socket.socket = self.request
        with contextlib.suppress(OSError):
            while not owner.closed.is_set():
                head = read_head(conn)
                if not head:
                    return
                with owner.lock:
                    owner.requests.append(head)
                owner.behaviour(conn, head, owner)
                if not owner.keep_alive:
                    return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: Hostile


class Hostile:
    def __init__(self, behaviour: Behaviour, *, keep_alive: bool = False) -> None:
        self.behaviour = behaviour
        self.keep_alive = keep_alive
        self.requests: list[bytes] = []
        self.lock = threading.Lock()
        self.closed = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def wait_for_request(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.requests:
                return True
            time.sleep(0.02)
        return bool(self.requests)

    def sleep(self, seconds: float) -> bool:
        """Sleep unless the server closes first; False once it is closing."""
        return not self.closed.wait(seconds)

    def close(self) -> None:
        self.closed.set()
        self._server.shutdown()
        self._server.server_close()


# ------------------------------------------------------------------ behaviours


def drip(total: int = 100_000, every: float = 0.5) -> Behaviour:
    """Valid headers announcing `total` bytes, then one byte every `every` seconds."""

    def run(conn: socket.socket, head: bytes, server: Hostile) -> None:
        conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {total}\r\n\r\n".encode())
        for _ in range(total):
            if not server.sleep(every):
                return
            conn.sendall(b"x")

    return run


def drip_headers(every: float = 0.5) -> Behaviour:
    """A status line, then a header that never ends, one byte every `every` seconds."""

    def run(conn: socket.socket, head: bytes, server: Hostile) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while server.sleep(every):
            conn.sendall(b"a")

    return run


def silent(conn: socket.socket, head: bytes, server: Hostile) -> None:
    """Reads the request and never answers."""
    server.closed.wait(300)


def gigabytes(total: int = 2 << 30, announce: bool = True) -> Behaviour:
    """A 200 announcing (or, chunked, not announcing) `total` bytes of zeros, sent fast."""

    def run(conn: socket.socket, head: bytes, server: Hostile) -> None:
        block = b"\0" * (1 << 20)
        if announce:
            conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {total}\r\n\r\n".encode())
            for _ in range(total >> 20):
                if server.closed.is_set():
                    return
                conn.sendall(block)
            return
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(total >> 20):
            if server.closed.is_set():
                return
            conn.sendall(b"%x\r\n" % len(block) + block + b"\r\n")
        conn.sendall(b"0\r\n\r\n")

    return run


def answer(status: int, body: bytes, headers: dict[str, str] | None = None) -> Behaviour:
    def run(conn: socket.socket, head: bytes, server: Hostile) -> None:
        read_body(conn, head)
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        conn.sendall(
            f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body
        )

    return run


def echo_auth(status: int = 401) -> Behaviour:
    """An error whose body repeats the request's credentials (and tries to drive the
    terminal), as a badly written proxy does."""

    def run(conn: socket.socket, head: bytes, server: Hostile) -> None:
        auth = header(head, "authorization") or ""
        body = (f'{{"message":"invalid credentials: {auth}"}}\x1b]0;pwned\x07\x1b[2J\r\n').encode()
        answer(status, body)(conn, head, server)

    return run


class Turbo:
    """A minimal Turborepo remote-cache server that stores artifacts in memory."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.artifacts: dict[str, bytes] = {}
        self.server = Hostile(self._serve, keep_alive=True)
        self.url = self.server.url

    def _serve(self, conn: socket.socket, head: bytes, server: Hostile) -> None:
        method, path = head.split(b" ", 2)[:2]
        key = path.decode().split("?")[0].rsplit("/", 1)[-1]
        body = read_body(conn, head)
        if header(head, "authorization") != f"Bearer {self.token}":
            status, out = 401, b'{"message":"bad token"}'
        elif method == b"PUT":
            self.artifacts[key] = body
            status, out = 202, b'{"urls":[]}'
        elif key in self.artifacts:
            status, out = 200, self.artifacts[key]
        else:
            status, out = 404, b'{"message":"not found"}'
        if method == b"HEAD":
            conn.sendall(f"HTTP/1.1 {status} X\r\nContent-Length: {len(out)}\r\n\r\n".encode())
            return
        conn.sendall(f"HTTP/1.1 {status} X\r\nContent-Length: {len(out)}\r\n\r\n".encode() + out)

    def close(self) -> None:
        self.server.close()
