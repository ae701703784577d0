"""Fixtures for the branch and PR workflows: a checkout whose `origin` is a bare repository
(real pushes), and a GitHub REST/GraphQL stand-in on 127.0.0.1 that checks every request's
path, headers and payload, keeps pull requests in memory, and answers any error on demand."""

from __future__ import annotations

import http.server
import json
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MakeRepo, git

TOKEN = "ghp_FAKEtoken1234567890abcdefSECRET"
OWNER, NAME = "acme", "app"

_ENV_OFF = (
    "GH_TOKEN",
    "GITHUB_TOKEN",
    "GH_ENTERPRISE_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
    "GH_HOST",
    "AMEIDE_FORGE",
    "AMEIDE_FORGE_REPO",
    "AMEIDE_FORGE_API_URL",
    "AMEIDE_ACTOR",
    "AMEIDE_BRANCH_PREFIX",
    "AMEIDE_PROFILES_PATH",
    "AMEIDE_SRE_ALLOW_PR",
    "AMEIDE_CODER_EXTERNAL_AUTH_ID",
    "CLAUDECODE",
    "CLAUDE_CODE_ENTRYPOINT",
    "CODEX_THREAD_ID",
    "CODEX_CI",
    "CODEX_SANDBOX",
    "CODEX_SANDBOX_NETWORK_DISABLED",
    "http_proxy",
    "https_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "all_proxy",
    "GIT_CONFIG_COUNT",
)


@pytest.fixture(autouse=True)
def isolate_workflows(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in _ENV_OFF:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AMEIDE_WORKSPACES_ROOT", str(tmp_path / "no-workspaces"))
    # no real gh / coder: the token chain below GH_TOKEN is tested with fakes on PATH
    monkeypatch.setenv("PATH", "/usr/local/bin:/usr/bin:/bin")


class Recorded:
    def __init__(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any
    ) -> None:
        self.method, self.path, self.query, self.headers, self.body = (
            method,
            path,
            query,
            headers,
            body,
        )

    def __repr__(self) -> str:
        return f"{self.method} {self.path} {self.query or ''}"


class FakeGitHub:
    """GitHub's REST API (the parts ameide uses) and the two GraphQL mutations, in memory.

    `bare` is the repository pushes go to: creating a PR checks that its head branch exists
    there, as GitHub does. `fail(status, ...)` makes the next matching request fail."""

    def __init__(
        self, bare: Path | None = None, token: str = TOKEN, *, enterprise: bool = False
    ) -> None:
        self.bare = bare
        self.token = token
        # GitHub Enterprise Server shapes: REST under /api/v3, GraphQL at /api/graphql
        self.rest_prefix, self.graphql_path = (
            ("/api/v3", "/api/graphql") if enterprise else ("", "/graphql")
        )
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.pulls: dict[int, dict[str, Any]] = {}
        self.reviews: dict[int, list[dict[str, Any]]] = {}
        self.check_runs: dict[str, list[dict[str, Any]]] = {}
        self.statuses: dict[str, list[dict[str, Any]]] = {}
        self.mergeable: tuple[bool | None, str] = (True, "clean")
        self._failures: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _go(self) -> None:
                fake._handle(self)

            do_GET = do_POST = do_PATCH = _go

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{self.rest_prefix}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ------------------------------------------------------------------ test controls
    def fail(
        self,
        status: int,
        doc: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` requests matching `method` / a path containing `path` answer
        `status` with the JSON `doc` and `headers`."""
        self._failures.append(
            {
                "status": status,
                "doc": doc if doc is not None else {"message": "failure"},
                "headers": headers or {},
                "method": method,
                "path": path,
                "times": times,
            }
        )

    def calls(self, method: str | None = None, contains: str = "") -> list[Recorded]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and contains in r.path
        ]

    def add_check(self, sha: str, name: str, status: str, conclusion: str | None) -> None:
        self.check_runs.setdefault(sha, []).append(
            {
                "id": len(self.check_runs.get(sha, [])) + 1,
                "name": name,
                "head_sha": sha,
                "status": status,
                "conclusion": conclusion,
                "html_url": f"https://github.com/{OWNER}/{NAME}/runs/{name}",
                "app": {"slug": "github-actions"},
            }
        )

    # ------------------------------------------------------------------ serving
    def _send(
        self,
        h: http.server.BaseHTTPRequestHandler,
        status: int,
        doc: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        body = json.dumps(doc).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    def _handle(self, h: http.server.BaseHTTPRequestHandler) -> None:
        u = urllib.parse.urlsplit(h.path)
        query = dict(urllib.parse.parse_qsl(u.query))
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = "<not json>"
        headers = {k.lower(): v for k, v in h.headers.items()}
        method = h.command
        with self._lock:
            self.requests.append(Recorded(method, u.path, query, headers, body))
            problems = self._check_headers(headers, method, raw)
            if problems:
                self.violations += [f"{method} {u.path}: {p}" for p in problems]
                if any("authorization" in p for p in problems):
                    self._send(h, 401, {"message": "Bad credentials"})
                    return
            for f in self._failures:
                if f["times"] <= 0:
                    continue
                if f["method"] and f["method"] != method:
                    continue
                if f["path"] and f["path"] not in u.path:
                    continue
                f["times"] -= 1
                self._send(h, f["status"], f["doc"], f["headers"])
                return
            status, doc = self._route(method, u.path, query, body)
        self._send(h, status, doc)

    def _check_headers(self, headers: dict[str, str], method: str, raw: bytes) -> list[str]:
        out = []
        if headers.get("authorization") != f"Bearer {self.token}":
            out.append("authorization header missing or wrong")
        if headers.get("accept") != "application/vnd.github+json":
            out.append(f"accept is {headers.get('accept')!r}")
        if headers.get("x-github-api-version") != "2022-11-28":
            out.append(f"x-github-api-version is {headers.get('x-github-api-version')!r}")
        if not headers.get("user-agent", "").startswith("ameide/"):
            out.append(f"user-agent is {headers.get('user-agent')!r}")
        if method in ("POST", "PATCH") and headers.get("content-type") != "application/json":
            out.append(f"content-type is {headers.get('content-type')!r}")
        if method == "GET" and raw:
            out.append("GET with a body")
        return out

    def _pr_doc(self, pr: dict[str, Any], full: bool = False) -> dict[str, Any]:
        doc = dict(pr)
        doc.pop("_reviewers", None)
        if full:
            doc["mergeable"], doc["mergeable_state"] = self.mergeable
        doc["requested_reviewers"] = [{"login": u} for u in pr.get("_reviewers", [])]
        return doc

    def _head_sha(self, branch: str) -> str | None:
        if self.bare is None:
            return "0" * 40
        r = subprocess.run(
            ["git", "rev-parse", "-q", "--verify", f"refs/heads/{branch}"],
            cwd=self.bare,
            capture_output=True,
            text=True,
            check=False,
        )
        return r.stdout.strip() or None

    def _route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        if method == "POST" and path == self.graphql_path:
            return self._graphql(body)
        if not path.startswith(self.rest_prefix + "/repos/"):
            return 404, {"message": "Not Found"}
        path = path[len(self.rest_prefix) :]
        prefix = f"/repos/{OWNER}/{NAME}"
        if not path.startswith(prefix + "/"):
            return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com"}
        rest = path[len(prefix) :].split("/")[1:]
        if rest == ["pulls"] and method == "GET":
            head = query.get("head", "")
            state = query.get("state", "open")
            if ":" not in head:
                self.violations.append(f"list pulls: head {head!r} is not owner:branch")
            owner, _, branch = head.partition(":")
            found = [
                self._pr_doc(p)
                for n, p in sorted(self.pulls.items(), reverse=True)
                if p["head"]["ref"] == branch
                and owner == OWNER
                and (state == "all" or p["state"] == state)
            ]
            return 200, found
        if rest == ["pulls"] and method == "POST":
            return self._create(body)
        if len(rest) == 2 and rest[0] == "pulls" and rest[1].isdigit():
            pr = self.pulls.get(int(rest[1]))
            if pr is None:
                return 404, {"message": "Not Found"}
            if method == "GET":
                return 200, self._pr_doc(pr, full=True)
            if method == "PATCH":
                if not isinstance(body, dict) or set(body) - {"title", "body", "base", "state"}:
                    self.violations.append(f"PATCH payload {body!r}")
                    return 422, {"message": "Validation Failed"}
                pr.update({k: v for k, v in body.items() if k in ("title", "body")})
                if "base" in body:
                    pr["base"] = {"ref": body["base"]}
                sha = self._head_sha(pr["head"]["ref"])
                if sha:
                    pr["head"]["sha"] = sha
                return 200, self._pr_doc(pr)
        if len(rest) == 3 and rest[0] == "pulls" and rest[2] == "reviews" and method == "GET":
            return 200, self.reviews.get(int(rest[1]), [])
        if len(rest) == 3 and rest[0] == "commits" and rest[2] == "check-runs":
            runs = self.check_runs.get(rest[1], [])
            return 200, {"total_count": len(runs), "check_runs": runs}
        if len(rest) == 3 and rest[0] == "commits" and rest[2] == "status":
            sts = self.statuses.get(rest[1], [])
            return 200, {"state": "success", "statuses": sts, "total_count": len(sts)}
        return 404, {"message": "Not Found"}

    def _create(self, body: Any) -> tuple[int, Any]:
        want = {"title": str, "head": str, "base": str, "body": str, "draft": bool}
        if not isinstance(body, dict) or set(body) != set(want):
            self.violations.append(f"create payload keys {sorted(body or {})}")
            return 422, {"message": "Validation Failed"}
        for k, t in want.items():
            if not isinstance(body[k], t):
                self.violations.append(f"create payload {k} is not {t.__name__}")
        head = body["head"]
        for p in self.pulls.values():
            if p["head"]["ref"] == head and p["state"] == "open":
                return 422, {
                    "message": "Validation Failed",
                    "errors": [
                        {
                            "resource": "PullRequest",
                            "code": "custom",
                            "message": f"A pull request already exists for {OWNER}:{head}.",
                        }
                    ],
                }
        sha = self._head_sha(head)
        if sha is None:
            return 422, {
                "message": "Validation Failed",
                "errors": [{"resource": "PullRequest", "field": "head", "code": "invalid"}],
            }
        n = max(self.pulls, default=0) + 1
        self.pulls[n] = {
            "number": n,
            "node_id": f"PR_node{n}",
            "html_url": f"https://github.com/{OWNER}/{NAME}/pull/{n}",
            "state": "open",
            "draft": body["draft"],
            "title": body["title"],
            "body": body["body"],
            "merged_at": None,
            "base": {"ref": body["base"]},
            "head": {"ref": head, "sha": sha},
            "_reviewers": [],
        }
        return 201, self._pr_doc(self.pulls[n])

    def _graphql(self, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict) or "query" not in body:
            self.violations.append(f"graphql payload {body!r}")
            return 400, {"message": "Problems parsing JSON"}
        node = (body.get("variables") or {}).get("id")
        pr = next((p for p in self.pulls.values() if p["node_id"] == node), None)
        if pr is None:
            return 200, {"errors": [{"type": "NOT_FOUND", "message": f"no node {node}"}]}
        q = body["query"]
        if "markPullRequestReadyForReview" in q:
            pr["draft"] = False
        elif "convertPullRequestToDraft" in q:
            pr["draft"] = True
        else:
            return 200, {"errors": [{"message": "unknown mutation"}]}
        return 200, {
            "data": {"x": {"pullRequest": {"number": pr["number"], "isDraft": pr["draft"]}}}
        }


@pytest.fixture
def remote_repo(make_repo: MakeRepo, tmp_path: Path) -> tuple[Path, Path]:
    """(checkout, bare origin): a committed repo on main, pushed to a bare repository."""
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    repo = make_repo({"README.md": "# app\n", "docs/index.md": "docs\n"}, name="checkout")
    git(repo, "remote", "add", "origin", str(bare))
    git(repo, "push", "-q", "-u", "origin", "main")
    return repo, bare


@pytest.fixture
def github(remote_repo: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    """The stand-in, wired up: API URL and repository overridden, GH_TOKEN set."""
    fake = FakeGitHub(remote_repo[1])
    monkeypatch.setenv("AMEIDE_FORGE_API_URL", fake.url)
    monkeypatch.setenv("AMEIDE_FORGE_REPO", f"{OWNER}/{NAME}")
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    yield fake
    fake.close()
    assert fake.violations == []
