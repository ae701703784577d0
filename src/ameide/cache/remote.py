"""A client of the Turborepo remote-cache HTTP API (`/v8/artifacts/<hash>`).

Works with Vercel's hosted cache and self-hosted servers such as `turborepo-remote-cache`
(npm). Requests carry `Authorization: Bearer <token>` and the team as `teamId=` (ids starting
with `team_`) or `slug=`; uploads send `x-artifact-duration` (milliseconds) and, with a
signature key, `x-artifact-tag`: base64 HMAC-SHA256 over the artifact, the hash and the team
(the layout Turborepo itself signs), which downloads must then carry and match.

The remote is an accelerator, never a dependency: every request has a short timeout, and the
first failure (unreachable, slow, refused token, server error) switches the remote off for the
rest of the run with ONE warning; the run goes on with the local cache and local execution.
A 404 is a plain miss. A downloaded artifact that fails verification is a miss too (reported
once, with a count) and is overwritten when the task has run again.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import queue
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from ameide.cache.artifact import MAX_ARTIFACT

if TYPE_CHECKING:
    from ameide.cache.settings import RemoteSettings

API = "/v8/artifacts"
UPLOAD_WORKERS = 4
ERROR_BODY = 4096  # bytes of an error answer read for its message
INTERRUPTED = "interrupted"


class RemoteFailure(Exception):
    """The remote cannot be used (stops it for the rest of the run)."""


def _mib(n: int) -> str:
    return f"{n / (1 << 30):.1f} GiB" if n >= 1 << 30 else f"{n / (1 << 20):.0f} MiB"


def _shut(conn: Any) -> None:
    """End a transfer another thread is blocked in: its recv/send returns at once."""
    import socket

    sock = getattr(conn, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def sign(key: bytes, artifact: bytes, hash_: str, team: str | None) -> str:
    mac = hmac.new(key, artifact, hashlib.sha256)
    mac.update(hash_.encode())
    mac.update((team or "").encode())
    return base64.b64encode(mac.digest()).decode()


class RemoteCache:
    def __init__(self, s: RemoteSettings, *, ci: bool = False) -> None:
        from ameide.cache.settings import transfer_deadline
        from ameide.vcs import redact_url

        self.s = s
        self.url = redact_url(s.url)  # what messages show: never credentials
        self.deadline = s.deadline or transfer_deadline(s.timeout)
        self.aborted = False
        self._active: set[Any] = set()  # connections with a transfer in flight
        u = urlsplit(s.url)
        self._https = u.scheme == "https"
        self._host = u.hostname or ""
        self._port = u.port
        self._prefix = u.path.rstrip("/")
        self._ci = ci
        self._local = threading.local()
        self._lock = threading.RLock()  # abort() may run in a signal handler
        self._conns: list[Any] = []  # every connection opened, closed by close()
        self.failed: str | None = None  # why the remote was switched off
        self.rejected = 0  # downloads that failed verification
        self.rejected_why: str | None = None
        self.uploads_failed: str | None = None
        self.downloads = 0
        self.uploads = 0
        self.download_bytes = 0
        self.download_seconds = 0.0
        self._queue: queue.Queue[tuple[str, bytes, int] | None] = queue.Queue()
        self._workers: list[threading.Thread] = []
        self._pending = 0
        self._idle = threading.Condition(self._lock)
        self.unverifiable = bool(s.signature_env) and s.signature_key is None
        if self.unverifiable:
            # signatures are configured but the key is not in this environment (a fork's PR
            # build): nothing downloaded could be verified, so nothing is downloaded
            self.failed = (
                f"the signature key variable {s.signature_env} is not set, so artifacts "
                "cannot be verified"
            )

    # ------------------------------------------------------------------ state
    @property
    def usable(self) -> bool:
        return self.failed is None

    @property
    def writable(self) -> bool:
        return self.failed is None and self.uploads_failed is None and not self.s.read_only

    def warning(self) -> str | None:
        """The one line the run reports about the remote, if anything went wrong."""
        parts = []
        if self.aborted:  # the run was interrupted: nothing to say about the remote
            return None
        if self.failed:
            parts.append(
                f"remote cache {self.url} not used: {self.failed}; "
                "tasks ran locally (the build is not affected)"
            )
        elif self.uploads_failed:
            parts.append(f"remote cache {self.url}: uploads stopped: {self.uploads_failed}")
        if self.s.url_userinfo:
            parts.append(
                f"remote cache {self.url}: credentials in the remote cache URL are not used "
                "(nor shown); give the token in AMEIDE_REMOTE_CACHE_TOKEN"
            )
        if self.rejected:
            n = self.rejected
            parts.append(
                f"remote cache {self.url}: {n} downloaded artifact{'s' if n != 1 else ''} "
                f"failed verification ({self.rejected_why}) and "
                f"{'were' if n != 1 else 'was'} ignored; the task{'s' if n != 1 else ''} ran "
                "locally"
            )
        return "; ".join(parts) or None

    def _fail(self, why: str) -> None:
        with self._lock:
            if self.failed is None:
                self.failed = why

    def reject(self, why: str) -> None:
        with self._lock:
            self.rejected += 1
            self.rejected_why = self.rejected_why or why

    # ------------------------------------------------------------------ HTTP
    def _conn(self) -> Any:
        c = getattr(self._local, "conn", None)
        if c is None:
            import http.client

            if self._https:
                c = http.client.HTTPSConnection(self._host, self._port, timeout=self.s.timeout)
            else:
                c = http.client.HTTPConnection(self._host, self._port, timeout=self.s.timeout)
            self._local.conn = c
            with self._lock:
                self._conns.append(c)
        return c

    def _drop_conn(self) -> None:
        c = getattr(self._local, "conn", None)
        self._local.conn = None
        if c is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                c.close()

    def _url(self, hash_: str) -> str:
        path = f"{self._prefix}{API}/{quote(hash_, safe='')}"
        team = self.s.team
        if team:
            param = "teamId" if team.startswith("team_") else "slug"
            path += f"?{param}={quote(team, safe='')}"
        return path

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        h = {"User-Agent": "ameide", "Accept": "*/*"}
        if self.s.token:
            h["Authorization"] = f"Bearer {self.s.token}"
        if extra:
            h.update(extra)
        return h

    def _request(
        self,
        method: str,
        hash_: str,
        body: bytes | None = None,
        extra: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request; RemoteFailure on anything but a complete HTTP answer in time.

        Two limits hold: the socket timeout bounds every connect and every read, and a
        watchdog shuts the socket down when the whole transfer (request, headers, body) has
        taken `deadline` seconds, which catches a server that answers each read in time but
        drips its bytes. `abort()` shuts every transfer in flight down at once."""
        import http.client

        deadline = time.monotonic() + self.deadline
        for attempt in (0, 1):  # one retry: a kept-alive connection the server closed
            conn = self._conn()
            expired = threading.Event()

            def cut(conn: Any = conn, expired: threading.Event = expired) -> None:
                expired.set()
                _shut(conn)

            watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), cut)
            watchdog.daemon = True
            with self._lock:
                if self.aborted:
                    raise RemoteFailure(INTERRUPTED)
                self._active.add(conn)
            watchdog.start()
            try:
                conn.request(method, self._url(hash_), body=body, headers=self._headers(extra))
                resp = conn.getresponse()
                headers = {k.lower(): v for k, v in resp.getheaders()}
                data = b"" if method == "HEAD" else self._body(resp, headers)
                if expired.is_set():  # the watchdog's shutdown can look like a clean end
                    raise TimeoutError
                if resp.will_close or not 200 <= resp.status < 300:
                    self._drop_conn()
                return resp.status, headers, data
            except RemoteFailure:
                self._drop_conn()
                raise
            except Exception as exc:
                self._drop_conn()
                if self.aborted:
                    raise RemoteFailure(INTERRUPTED) from None
                if expired.is_set():
                    raise RemoteFailure(
                        f"too slow: no complete answer within the {self.deadline:g}s deadline"
                    ) from None
                if isinstance(exc, http.client.RemoteDisconnected | ConnectionResetError):
                    if attempt == 0 and time.monotonic() < deadline:
                        continue
                    raise RemoteFailure("the server closed the connection") from None
                if isinstance(exc, TimeoutError):
                    raise RemoteFailure(f"no answer within {self.s.timeout:g}s") from None
                if isinstance(exc, ConnectionRefusedError):
                    raise RemoteFailure("connection refused (is the server running?)") from None
                if isinstance(exc, OSError | http.client.HTTPException | ValueError):
                    raise RemoteFailure(self._scrub(f"{type(exc).__name__}: {exc}")) from None
                raise
            finally:
                watchdog.cancel()
                with self._lock:
                    self._active.discard(conn)
        raise RemoteFailure("the server closed the connection")

    def _body(self, resp: Any, headers: dict[str, str]) -> bytes:
        """The answer's body, refused before it is read when it announces more than
        MAX_ARTIFACT bytes and cut there when it does not announce its size. An error's body
        is only read for its first few KiB (its message)."""
        limit = MAX_ARTIFACT if 200 <= resp.status < 300 else ERROR_BODY
        announced = headers.get("content-length")
        if announced is not None and resp.status < 300:
            try:
                size = int(announced)
            except ValueError:
                raise RemoteFailure("a malformed Content-Length header") from None
            if size > limit:
                raise RemoteFailure(
                    f"an answer of {_mib(size)}, larger than the {_mib(limit)} limit"
                )
        buf = bytearray()
        while len(buf) <= limit:
            chunk = resp.read(min(1 << 20, limit + 1 - len(buf)))
            if not chunk:
                return bytes(buf)
            buf += chunk
        if resp.status >= 300:
            return bytes(buf[:limit])
        raise RemoteFailure(f"an answer larger than the {_mib(limit)} limit")

    def _scrub(self, text: str) -> str:
        """A message from the server (or about it) without credentials or control codes."""
        from ameide.sanitize import printable, redact

        return printable(redact(text, (self.s.token, self.s.signature_key)))

    def _http_problem(self, status: int, body: bytes, what: str) -> str:
        text = self._scrub(body[:200].decode("utf-8", "replace").strip())
        if status in (401, 403):
            return f"the server refused the {what} (HTTP {status}): check the token" + (
                f" ({text})" if text else ""
            )
        return f"HTTP {status} on {what}" + (f": {text}" if text else "")

    # ------------------------------------------------------------------ API
    def get(self, hash_: str) -> bytes | None:
        """The artifact for `hash_`, or None (a miss, or the remote is off)."""
        if not self.usable:
            return None
        t0 = time.monotonic()
        try:
            status, headers, body = self._request("GET", hash_)
        except RemoteFailure as exc:
            self._fail(str(exc))
            return None
        if status == 404:
            return None
        if status != 200:
            self._fail(self._http_problem(status, body, "download"))
            return None
        if self.s.signature_key is not None:
            tag = headers.get("x-artifact-tag")
            want = sign(self.s.signature_key, body, hash_, self.s.team)
            if not tag:
                self.reject("no x-artifact-tag signature")
                return None
            if not hmac.compare_digest(tag.strip(), want):
                self.reject("signature mismatch")
                return None
        with self._lock:
            self.downloads += 1
            self.download_bytes += len(body)
            self.download_seconds += time.monotonic() - t0
        return body

    def head(self, hash_: str) -> tuple[bool, float | None]:
        """(exists, recorded duration in seconds) without downloading."""
        if not self.usable:
            return False, None
        try:
            status, headers, body = self._request("HEAD", hash_)
        except RemoteFailure as exc:
            self._fail(str(exc))
            return False, None
        if status == 404:
            return False, None
        if status != 200:
            self._fail(self._http_problem(status, body, "lookup"))
            return False, None
        raw = headers.get("x-artifact-duration")
        try:
            return True, (int(raw) / 1000.0 if raw else None)
        except ValueError:
            return True, None

    def put(self, hash_: str, data: bytes, duration_ms: int) -> bool:
        if not self.writable:
            return False
        extra = {
            "Content-Type": "application/octet-stream",
            "x-artifact-duration": str(max(0, duration_ms)),
            "x-artifact-client-ci": "ameide" if self._ci else "",
            "x-artifact-client-interactive": "0" if self._ci else "1",
        }
        if not extra["x-artifact-client-ci"]:
            del extra["x-artifact-client-ci"]
        if self.s.signature_key is not None:
            extra["x-artifact-tag"] = sign(self.s.signature_key, data, hash_, self.s.team)
        try:
            status, _, body = self._request("PUT", hash_, data, extra)
        except RemoteFailure as exc:
            self._fail(str(exc))
            return False
        if status not in (200, 201, 202):
            with self._lock:
                self.uploads_failed = self.uploads_failed or self._http_problem(
                    status, body, "upload"
                )
            return False
        with self._lock:
            self.uploads += 1
        return True

    # ------------------------------------------------------------------ background uploads
    def upload_later(self, hash_: str, data: bytes, duration_ms: int) -> None:
        """Queue an upload on a daemon thread (a hung upload never keeps ameide alive)."""
        if not self.writable:
            return
        with self._lock:
            self._pending += 1
            if len(self._workers) < UPLOAD_WORKERS:
                t = threading.Thread(target=self._worker, name="ameide-upload", daemon=True)
                self._workers.append(t)
                t.start()
        self._queue.put((hash_, data, duration_ms))

    def _worker(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                self.put(*item)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def drain(self, timeout: float) -> int:
        """Wait up to `timeout` seconds for queued uploads; returns how many were abandoned."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._idle.wait(left)
            abandoned = self._pending
        for _ in self._workers:
            self._queue.put(None)
        if not abandoned:
            self.close()
        return abandoned

    def abort(self) -> None:
        """The run is interrupted: end every transfer in flight now (the threads blocked in
        them return at once), start no other, and drop queued uploads."""
        with self._lock:
            self.aborted = True
            if self.failed is None:
                self.failed = INTERRUPTED
            active = list(self._active)
        for c in active:
            _shut(c)
        with contextlib.suppress(queue.Empty):
            while True:
                if self._queue.get_nowait() is not None:
                    with self._idle:
                        self._pending -= 1
                        self._idle.notify_all()

    def close(self) -> None:
        """Close the kept-alive connections (a worker still uploading keeps its own)."""
        with self._lock:
            conns, self._conns = self._conns, []
        for c in conns:
            with contextlib.suppress(Exception):
                c.close()
