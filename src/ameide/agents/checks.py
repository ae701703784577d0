"""Built-in phase-0 checks a profile can ask for (`[[checks]] builtin = ...`): `yaml` (every
changed YAML file parses) and `secrets` (no private keys, cloud or forge tokens, or plaintext
Kubernetes Secrets in the changed files). Findings name file and line, never the secret."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.task import Task

MAX_SCAN_BYTES = 2 * 1024 * 1024

SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("OpenAI API key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}")),
)


def _read(root: str, rel: str) -> bytes | None:
    try:
        with open(os.path.join(root, rel), "rb") as fh:
            return fh.read(MAX_SCAN_BYTES + 1)
    except OSError:
        return None


def yaml_problems(root: str, files: list[str]) -> list[str]:
    import yaml

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out = []
    for rel in files:
        data = _read(root, rel)
        if data is None:
            continue
        try:
            list(yaml.load_all(data, Loader=loader))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            line = f":{mark.line + 1}" if mark is not None else ""
            what = str(getattr(exc, "problem", None) or exc).splitlines()[0]
            out.append(f"{rel}{line}: invalid YAML: {what}")
    return out


def secret_problems(root: str, files: list[str]) -> list[str]:
    out = []
    for rel in files:
        data = _read(root, rel)
        if data is None or b"\0" in data[:8192]:
            continue  # gone, unreadable or binary
        if len(data) > MAX_SCAN_BYTES:
            continue  # generated or vendored blobs; documented limit
        text = data.decode("utf-8", "replace")
        for n, line in enumerate(text.splitlines(), 1):
            for what, rx in SECRET_PATTERNS:
                if rx.search(line):
                    out.append(f"{rel}:{n}: looks like a {what}")
        if rel.endswith((".yaml", ".yml")):
            out += _plain_k8s_secrets(rel, text)
    return out


_KIND_SECRET = re.compile(r"^kind:\s*['\"]?Secret['\"]?\s*$", re.M)


def _plain_k8s_secrets(rel: str, text: str) -> list[str]:
    """Kubernetes `kind: Secret` documents with data that SOPS has not encrypted."""
    if not _KIND_SECRET.search(text):
        return []
    from ameide.yamlio import load_yaml_all

    try:
        docs = load_yaml_all(text)
    except ValueError:
        return []  # the yaml check reports it
    out = []
    for i, doc in enumerate(docs, 1):
        if not isinstance(doc, dict) or doc.get("kind") != "Secret" or "sops" in doc:
            continue
        if doc.get("data") or doc.get("stringData"):
            name = (doc.get("metadata") or {}).get("name", "?")
            out.append(
                f"{rel}: document {i}: plaintext Kubernetes Secret {name!r} "
                "(commit a SealedSecret, an ExternalSecret or a SOPS-encrypted file instead)"
            )
    return out


CHECKS = {"yaml": yaml_problems, "secrets": secret_problems}


def run_builtin(task: Task, root: str, log: str, env: Mapping[str, str]) -> tuple[int, str]:
    """The runner's `profile-check` built-in: 0 when the check finds nothing."""
    check = task.params["check"]
    files: list[str] = list(task.params["files"])
    problems = CHECKS[check](root, files)
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(f"{check} check of profile {task.params['profile']} over {len(files)} files\n")
        for p in problems:
            fh.write(f"  {p}\n")
        if not problems:
            fh.write("  no problems\n")
    if problems:
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        return 1, problems[0] + more
    return 0, ""
