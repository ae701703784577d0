"""Codex credentials: seeding `$CODEX_HOME/auth.json` from mounted secrets, and reading it
for `ameide workspace check` — never exposing a token.

A secret named N in the secrets directory is either a directory holding `auth.json` (a
Kubernetes secret volume with key `auth.json`, mounted at `<dir>/N/`) or a plain file `<dir>/N`.
Slots 0..2; rotating secrets `codex-auth-rotating-<slot>` (kept fresh by a refresher) come
before the seed secrets `codex-auth-<slot>`.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from datetime import UTC
from typing import TYPE_CHECKING, Any

from ameide.errors import EnvError, UsageError
from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Mapping

SLOTS = (0, 1, 2)
DEFAULT_SECRETS_DIR = "/var/run/secrets/codex"
STORE_KEY = "cli_auth_credentials_store"
REFRESH_DAYS = 8  # Codex refreshes ChatGPT tokens older than this


def codex_home(env: Mapping[str, str]) -> str:
    if env.get("CODEX_HOME"):
        return os.path.abspath(os.path.expanduser(env["CODEX_HOME"]))
    return os.path.join(env.get("HOME") or os.path.expanduser("~"), ".codex")


def secrets_dir(env: Mapping[str, str], flag: str | None, configured: str | None) -> str:
    """--secrets-dir, else $AMEIDE_CODEX_SECRETS_DIR, else [workspace] codex_secrets_dir,
    else /var/run/secrets/codex."""
    return flag or env.get("AMEIDE_CODEX_SECRETS_DIR") or configured or DEFAULT_SECRETS_DIR


def parse_slot(value: str | None, what: str = "CODEX_ACCOUNT_SLOT") -> int | None:
    """`auto` (or empty) -> None; `0`..`2` -> the slot; anything else is a usage error."""
    v = (value or "auto").strip().lower()
    if v == "auto":
        return None
    if v.isdigit() and int(v) in SLOTS:
        return int(v)
    raise UsageError(
        f"{what}={value!r} is not a slot",
        hint="use auto (default) or one of 0, 1, 2",
    )


def parse_time(value: object) -> float | None:
    """An RFC 3339 timestamp (`last_refresh`) -> epoch seconds; None when absent or bad."""
    if not isinstance(value, str) or not value:
        return None
    from datetime import datetime

    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def age(seconds: float) -> str:
    s = max(0, int(seconds))
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    if s < 172800:
        return f"{s // 3600} h"
    return f"{s // 86400} d"


def credential_kind(doc: Mapping[str, Any]) -> str | None:
    """What an auth.json holds, in words that reveal nothing: `ChatGPT tokens`, `API key`;
    None when it holds neither (not a Codex credential)."""
    tokens = doc.get("tokens")
    if isinstance(tokens, dict) and (tokens.get("access_token") or tokens.get("refresh_token")):
        return "ChatGPT tokens"
    if isinstance(doc.get("OPENAI_API_KEY"), str) and doc["OPENAI_API_KEY"]:
        return "API key"
    return None


def read_credential(path: str) -> tuple[dict[str, Any] | None, str]:
    """(parsed auth.json, "") or (None, why it is unusable) — the why never quotes content."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        return None, f"unreadable ({exc.strerror})"
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None, "not valid JSON"
    if not isinstance(doc, dict):
        return None, "not a JSON object"
    if credential_kind(doc) is None:
        return None, "holds neither `tokens` nor `OPENAI_API_KEY`"
    return doc, ""


# ----------------------------------------------------------------------------- config.toml


def set_file_store(text: str) -> str:
    """`text` with top-level `cli_auth_credentials_store = "file"`, every other line (keys,
    comments, tables) untouched. Raises ConfigError when the file is not valid TOML."""
    from ameide.tomltext import set_top_level

    return set_top_level(text, STORE_KEY, '"file"')


def _atomic_write(path: str, data: bytes, mode: int) -> None:
    d = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=f".{os.path.basename(path)}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def ensure_file_store(config_path: str) -> bool:
    """Set the credential store to `file` in config.toml; True when the file changed."""
    try:
        with open(config_path, encoding="utf-8") as fh:
            text = fh.read()
        mode = os.stat(config_path).st_mode & 0o777
    except FileNotFoundError:
        text, mode = "", 0o600
    new = set_file_store(text)
    if new == text:
        return False
    _atomic_write(config_path, new.encode("utf-8"), mode)
    return True


# ----------------------------------------------------------------------------- seeding


def secret_file(directory: str, name: str) -> str | None:
    """The credential file of secret `name`: `<dir>/<name>/auth.json` or the file `<dir>/<name>`.
    An empty directory (an optional secret that does not exist) counts as missing."""
    p = os.path.join(directory, name)
    if os.path.isdir(p):
        f = os.path.join(p, "auth.json")
        return f if os.path.isfile(f) else None
    return p if os.path.isfile(p) else None


def candidates(slot: int | None) -> list[str]:
    """Secret names in the order they are tried."""
    slots = SLOTS if slot is None else (slot,)
    return [f"codex-auth-rotating-{s}" for s in slots] + [f"codex-auth-{s}" for s in slots]


@record
class SeedResult:
    status: str  # seeded | current | kept-newer | none | missing | invalid
    slot: str  # "auto" or the slot number
    secret: str | None  # the secret used (its name), never its content
    secret_path: str | None
    auth_path: str
    config_path: str
    config_changed: bool
    message: str
    tried: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        return 1 if self.status in ("missing", "invalid") else 0


def seed(
    secrets: str,
    home: str,
    slot: int | None,
    *,
    now: float | None = None,
) -> SeedResult:
    """Install the first available secret as `<home>/auth.json` (0600, atomic) unless the
    credential there is newer; set the file credential store in `<home>/config.toml`."""
    now = time.time() if now is None else now
    auth_path = os.path.join(home, "auth.json")
    config_path = os.path.join(home, "config.toml")
    slot_s = "auto" if slot is None else str(slot)
    names = candidates(slot)
    warnings: list[str] = []
    chosen: tuple[str, str, dict[str, Any], bytes] | None = None
    for name in names:
        path = secret_file(secrets, name)
        if path is None:
            continue
        doc, why = read_credential(path)
        if doc is None:
            warnings.append(f"secret {name} ({path}) is unusable: {why}")
            if slot is not None:
                break
            continue
        with open(path, "rb") as fh:
            chosen = (name, path, doc, fh.read())
        break

    def result(status: str, message: str, changed: bool = False, **kw: Any) -> SeedResult:
        return SeedResult(
            status,
            slot_s,
            kw.get("secret"),
            kw.get("secret_path"),
            auth_path,
            config_path,
            changed,
            message,
            tuple(names),
            tuple(warnings),
        )

    if chosen is None:
        if warnings:
            return result("invalid", f"no usable Codex secret in {secrets}")
        if slot is not None:
            return result("missing", f"no Codex secret for slot {slot} in {secrets}")
        changed = _ensure_store(config_path, home)
        return result("none", f"no Codex secret in {secrets}; Codex stays logged out", changed)

    name, path, doc, raw = chosen
    secret_ts = parse_time(doc.get("last_refresh"))
    existing, _ = read_credential(auth_path) if os.path.exists(auth_path) else (None, "")
    status = "seeded"
    if existing is not None:
        with open(auth_path, "rb") as fh:
            same = fh.read() == raw
        existing_ts = parse_time(existing.get("last_refresh"))
        if same:
            status = "current"
        elif existing_ts is not None and (secret_ts is None or existing_ts > secret_ts):
            status = "kept-newer"
    if status == "seeded":
        os.makedirs(home, mode=0o700, exist_ok=True)
        try:
            _atomic_write(auth_path, raw, 0o600)
        except OSError as exc:
            raise EnvError(
                f"cannot write {auth_path}: {exc.strerror}",
                hint="CODEX_HOME must be a writable, private directory (not a secret mount)",
            ) from None
    elif os.stat(auth_path).st_mode & 0o777 != 0o600:
        os.chmod(auth_path, 0o600)
    changed = _ensure_store(config_path, home)
    when = f"last refresh {age(now - secret_ts)} ago" if secret_ts else "no last_refresh"
    if status == "seeded":
        msg = f"seeded {auth_path} from {name} ({when})"
    elif status == "current":
        msg = f"{auth_path} already holds {name} ({when})"
    else:
        ets = parse_time(existing.get("last_refresh")) if existing else None
        mine = f"refreshed {age(now - ets)} ago" if ets else "refreshed"
        msg = f"kept {auth_path}: it is newer ({mine}) than {name} ({when})"
    return result(status, msg, changed, secret=name, secret_path=path)


def _ensure_store(config_path: str, home: str) -> bool:
    os.makedirs(home, mode=0o700, exist_ok=True)
    try:
        return ensure_file_store(config_path)
    except OSError as exc:
        raise EnvError(
            f"cannot write {config_path}: {exc.strerror}",
            hint="CODEX_HOME must be a writable directory",
        ) from None
