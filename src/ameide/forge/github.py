"""GitHub (and GitHub Enterprise) over its REST API, with the standard library only.

Every request carries `Authorization: Bearer`, `Accept: application/vnd.github+json`,
`X-GitHub-Api-Version` and a `User-Agent`. Draft <-> ready goes through GraphQL: the REST
update endpoint ignores `draft`. Each failure becomes a ForgeError with a specific message
and hint (docs/workflows.md); the token never reaches a message, a log or a traceback.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ameide.errors import ExitCode
from ameide.forge.base import (
    CheckRun,
    CommitStatus,
    ForgeError,
    PullRequest,
    RepoRef,
    Review,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.forge.auth import Secret

API_VERSION = "2022-11-28"
ACCEPT = "application/vnd.github+json"
PUBLIC_API = "https://api.github.com"
TIMEOUT = 30.0
MAX_PAGES = 10
_RETRY_STATUSES = (502, 503, 504)


def api_url_for(host: str) -> str:
    """github.com -> https://api.github.com; an Enterprise host -> https://HOST/api/v3."""
    return PUBLIC_API if host == "github.com" else f"https://{host}/api/v3"


def graphql_url(api_url: str) -> str:
    base = api_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"  # Enterprise: /api/v3 -> /api/graphql
    return base + "/graphql"


def _user_agent() -> str:
    from ameide import __version__

    return f"ameide/{__version__} (python-urllib)"


class GitHub:
    """The `Forge` for GitHub (github.com or an Enterprise server)."""

    kind = "github"

    def __init__(
        self,
        repo: RepoRef,
        api_url: str,
        token: Secret,
        *,
        timeout: float = TIMEOUT,
        retry_delay: float = 1.0,
    ) -> None:
        self.repo = repo
        self.api_url = api_url.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._retry_delay = retry_delay

    def __repr__(self) -> str:
        return f"GitHub({self.repo.slug} at {self.api_url})"

    # ------------------------------------------------------------------ transport
    def _request(
        self,
        method: str,
        url: str,
        what: str,
        *,
        query: Mapping[str, str | int] | None = None,
        payload: object = None,
    ) -> tuple[Any, Mapping[str, str]]:
        import time
        import urllib.error
        import urllib.parse
        import urllib.request

        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {
            "Accept": ACCEPT,
            "Authorization": f"Bearer {self._token.reveal()}",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": _user_agent(),
        }
        data = None
        if payload is not None:
            data = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        attempts = 2 if method == "GET" else 1  # only reads are retried
        for attempt in range(attempts):
            req = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                with urllib.request.urlopen(req, timeout=self._timeout) as resp:
                    raw = resp.read()
                    resp_headers = {k.lower(): v for k, v in resp.headers.items()}
            except urllib.error.HTTPError as exc:
                status = exc.code
                err_headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
                try:
                    body = exc.read()
                except OSError:
                    body = b""
                exc.close()
                if status in _RETRY_STATUSES and attempt + 1 < attempts:
                    time.sleep(self._retry_delay)
                    continue
                raise self._http_error(status, err_headers, body, what) from None
            except (urllib.error.URLError, OSError, ValueError) as exc:
                if attempt + 1 < attempts:
                    time.sleep(self._retry_delay)
                    continue
                raise self._network_error(exc, what) from None
            if not raw:
                return None, resp_headers
            try:
                return json.loads(raw), resp_headers
            except ValueError:
                raise ForgeError(
                    f"GitHub at {self.api_url} answered {what} with something that is not JSON",
                    kind="protocol",
                    hint="check [forge] api_url / AMEIDE_FORGE_API_URL: it must be the REST "
                    "API root (https://api.github.com, https://HOST/api/v3)",
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _rest(
        self,
        method: str,
        path: str,
        what: str,
        *,
        query: Mapping[str, str | int] | None = None,
        payload: object = None,
    ) -> Any:
        return self._request(method, self.api_url + path, what, query=query, payload=payload)[0]

    def _network_error(self, exc: BaseException, what: str) -> ForgeError:
        reason = getattr(exc, "reason", None) or exc
        text = self._token.scrub(str(reason)) or type(exc).__name__
        return ForgeError(
            f"cannot reach GitHub at {self.api_url} to {what}: {text}",
            kind="network",
            hint="check the network, proxy settings (HTTPS_PROXY) and the API URL "
            "([forge] api_url / AMEIDE_FORGE_API_URL), then rerun",
        )

    def _http_error(
        self, status: int, headers: Mapping[str, str], body: bytes, what: str
    ) -> ForgeError:
        try:
            doc = json.loads(body) if body else {}
        except ValueError:
            doc = {}
        if not isinstance(doc, dict):
            doc = {}
        message = self._token.scrub(str(doc.get("message") or "").strip())
        details = [
            self._token.scrub(str(e.get("message") or e.get("code") or ""))
            for e in doc.get("errors") or []
            if isinstance(e, dict)
        ]
        said = f"{status} {message}".strip() + (f": {'; '.join(details)}" if details else "")
        where = f"GitHub ({self.repo.slug}"
        where += ")" if self.api_url == PUBLIC_API else f" at {self.api_url})"
        src = self._token.source

        remaining = headers.get("x-ratelimit-remaining")
        retry_after = headers.get("retry-after")
        if status in (403, 429) and (
            remaining == "0" or retry_after or "rate limit" in message.lower()
        ):
            return self._rate_limit_error(status, headers, message, what, where)
        if status == 401:
            return ForgeError(
                f"{where} rejected the token from {src} ({said}) while trying to {what}",
                kind="auth",
                status=status,
                hint="the token is invalid, expired or revoked: create a new one (gh auth login, "
                "or a fresh GH_TOKEN); it needs the repo scope (classic) or Contents: write and "
                "Pull requests: write (fine-grained / GitHub App)",
            )
        if status == 403:
            sso = headers.get("x-github-sso")
            if sso:
                url = sso.partition("url=")[2].strip()
                return ForgeError(
                    f"{where}: the token from {src} is not authorized for this organization's "
                    f"SAML single sign-on ({said})",
                    kind="sso",
                    status=status,
                    hint=f"authorize the token for SSO{': ' + url if url else ''} "
                    "(GitHub settings -> tokens -> Configure SSO), then rerun",
                )
            return ForgeError(
                f"{where} refused to let the token from {src} {what} ({said})",
                kind="forbidden",
                status=status,
                hint="the token lacks a permission: it needs Contents: write (push) and Pull "
                "requests: write, plus Checks: read for `pr status` (classic tokens: repo "
                "scope); 'Resource not accessible by integration' means the app installation "
                "lacks it",
            )
        if status == 404:
            return ForgeError(
                f"{where}: not found while trying to {what} ({said})",
                kind="not-found",
                status=status,
                hint=f"check the repository name ({self.repo.slug}: from the remote URL, "
                "[forge] repo or AMEIDE_FORGE_REPO) and that the token from "
                f"{src} can see it: GitHub answers 404, not 403, for a private repository "
                "the token has no access to",
            )
        if status == 422:
            blob = " ".join([message, *details]).lower()
            if "already exists" in blob:
                return ForgeError(
                    f"{where}: a pull request already exists ({said})",
                    kind="exists",
                    status=status,
                    exit_code=ExitCode.USAGE,
                    hint="rerun `ameide pr open`: it updates the open pull request",
                )
            if "no commits between" in blob:
                hint = "the branch has no commits the base lacks: commit your work (and push "
                hint += "it with `ameide pr open`), or choose another base"
            elif "base" in blob or "head" in blob:
                hint = "the base or head branch does not exist on GitHub: check the base "
                hint += "(--base, or the branch `ameide branch start` recorded) and the push"
            else:
                hint = "fix what GitHub reports (title, base, body), then rerun"
            return ForgeError(
                f"{where} rejected the request to {what} ({said})",
                kind="validation",
                status=status,
                exit_code=ExitCode.USAGE,
                hint=hint,
            )
        if status >= 500:
            return ForgeError(
                f"{where} failed to {what}: server error {said}",
                kind="server",
                status=status,
                hint="GitHub is having trouble: retry in a minute (https://www.githubstatus.com)",
            )
        return ForgeError(
            f"{where} answered {said} when asked to {what}",
            kind="protocol",
            status=status,
            hint="rerun with -v; if it persists, report it with this message",
        )

    def _rate_limit_error(
        self, status: int, headers: Mapping[str, str], message: str, what: str, where: str
    ) -> ForgeError:
        import time

        retry_after = headers.get("retry-after", "")
        if headers.get("x-ratelimit-remaining") == "0" and not retry_after:
            limit = headers.get("x-ratelimit-limit", "?")
            reset = headers.get("x-ratelimit-reset", "")
            when = ""
            if reset.isdigit():
                secs = max(0, int(reset) - int(time.time()))
                stamp = time.strftime("%H:%M:%S UTC", time.gmtime(int(reset)))
                when = f"; it resets at {stamp} (in {secs // 60} min {secs % 60} s)"
            return ForgeError(
                f"{where}: API rate limit exhausted ({limit} requests per hour for this "
                f"token) while trying to {what}{when}",
                kind="rate-limit",
                status=status,
                hint="wait for the reset and rerun; tokens share their hourly limit with "
                "every other tool using them (a GitHub App or a dedicated bot token has its own)",
            )
        wait = f"retry after {retry_after} s" if retry_after.isdigit() else "wait a minute"
        return ForgeError(
            f"{where}: secondary rate limit hit while trying to {what} ({status} "
            f"{message or 'too many requests'})",
            kind="rate-limit",
            status=status,
            hint=f"{wait}, then rerun; avoid running many `ameide pr` commands at once",
        )

    # ------------------------------------------------------------------ pull requests
    def _pr(self, d: Mapping[str, Any]) -> PullRequest:
        state = "merged" if d.get("merged_at") or d.get("merged") else str(d.get("state", ""))
        return PullRequest(
            number=int(d["number"]),
            url=str(d.get("html_url") or ""),
            state=state,
            draft=bool(d.get("draft")),
            title=str(d.get("title") or ""),
            body=str(d.get("body") or ""),
            base=str((d.get("base") or {}).get("ref") or ""),
            head=str((d.get("head") or {}).get("ref") or ""),
            head_sha=str((d.get("head") or {}).get("sha") or ""),
            node_id=str(d.get("node_id") or ""),
            mergeable=d.get("mergeable") if isinstance(d.get("mergeable"), bool) else None,
            mergeable_state=d.get("mergeable_state") or None,
            requested_reviewers=tuple(
                sorted(
                    str(u.get("login"))
                    for u in d.get("requested_reviewers") or []
                    if isinstance(u, dict)
                )
            ),
        )

    def _repo_path(self) -> str:
        return f"/repos/{self.repo.owner}/{self.repo.name}"

    def find_pr(self, branch: str, *, state: str = "open") -> PullRequest | None:
        data = self._rest(
            "GET",
            self._repo_path() + "/pulls",
            f"list the pull requests of {branch}",
            query={
                "head": f"{self.repo.owner}:{branch}",
                "state": state,
                "sort": "created",
                "direction": "desc",
                "per_page": 100,
            },
        )
        if not isinstance(data, list):
            raise ForgeError(
                "GitHub answered the pull request list with something else",
                kind="protocol",
            )
        prs = [self._pr(d) for d in data if isinstance(d, dict)]
        prs = [p for p in prs if p.head == branch]  # the API filters; be sure
        return prs[0] if prs else None

    def get_pr(self, number: int) -> PullRequest:
        data = self._rest("GET", f"{self._repo_path()}/pulls/{number}", f"read PR #{number}")
        return self._pr(data)

    def create_pr(
        self, *, branch: str, base: str, title: str, body: str, draft: bool
    ) -> PullRequest:
        data = self._rest(
            "POST",
            self._repo_path() + "/pulls",
            f"open a pull request from {branch} into {base}",
            payload={"title": title, "head": branch, "base": base, "body": body, "draft": draft},
        )
        return self._pr(data)

    def update_pr(
        self, number: int, *, title: str | None, body: str | None, base: str | None = None
    ) -> PullRequest:
        fields = (("title", title), ("body", body), ("base", base))
        payload = {k: v for k, v in fields if v is not None}
        data = self._rest(
            "PATCH", f"{self._repo_path()}/pulls/{number}", f"update PR #{number}", payload=payload
        )
        return self._pr(data)

    def set_draft(self, pr: PullRequest, draft: bool) -> PullRequest:
        mutation = "convertPullRequestToDraft" if draft else "markPullRequestReadyForReview"
        query = (
            f"mutation($id: ID!) {{ {mutation}(input: {{pullRequestId: $id}}) "
            "{ pullRequest { number isDraft } } }"
        )
        what = f"mark PR #{pr.number} {'as a draft' if draft else 'ready for review'}"
        doc, _ = self._request(
            "POST",
            graphql_url(self.api_url),
            what,
            payload={"query": query, "variables": {"id": pr.node_id}},
        )
        errors = doc.get("errors") if isinstance(doc, dict) else None
        if errors:
            msgs = "; ".join(
                self._token.scrub(str(e.get("message", e))) for e in errors if isinstance(e, dict)
            )
            forbidden = any(
                isinstance(e, dict) and e.get("type") in ("FORBIDDEN", "INSUFFICIENT_SCOPES")
                for e in errors
            )
            raise ForgeError(
                f"GitHub refused to {what}: {msgs}",
                kind="forbidden" if forbidden else "validation",
                exit_code=None if forbidden else ExitCode.USAGE,
                hint="the token needs Pull requests: write; or change it on the web page: "
                + pr.url,
            )
        return self.get_pr(pr.number)

    def reviews(self, number: int) -> list[Review]:
        out: list[Review] = []
        for page in range(1, MAX_PAGES + 1):
            data = self._rest(
                "GET",
                f"{self._repo_path()}/pulls/{number}/reviews",
                f"read the reviews of PR #{number}",
                query={"per_page": 100, "page": page},
            )
            items = data if isinstance(data, list) else []
            out += [
                Review(
                    user=str((d.get("user") or {}).get("login") or "?"),
                    state=str(d.get("state") or ""),
                    submitted_at=d.get("submitted_at"),
                )
                for d in items
                if isinstance(d, dict)
            ]
            if len(items) < 100:
                break
        return out

    def check_runs(self, sha: str) -> list[CheckRun]:
        out: list[CheckRun] = []
        for page in range(1, MAX_PAGES + 1):
            data = self._rest(
                "GET",
                f"{self._repo_path()}/commits/{sha}/check-runs",
                f"read the check runs of {sha[:12]}",
                query={"per_page": 100, "page": page},
            )
            runs = (data or {}).get("check_runs") if isinstance(data, dict) else None
            items = runs if isinstance(runs, list) else []
            out += [
                CheckRun(
                    name=str(d.get("name") or "?"),
                    status=str(d.get("status") or ""),
                    conclusion=d.get("conclusion"),
                    url=d.get("html_url") or d.get("details_url"),
                    app=(d.get("app") or {}).get("slug")
                    if isinstance(d.get("app"), dict)
                    else None,
                )
                for d in items
                if isinstance(d, dict)
            ]
            total = data.get("total_count") if isinstance(data, dict) else None
            if len(items) < 100 or (isinstance(total, int) and len(out) >= total):
                break
        return out

    def statuses(self, sha: str) -> list[CommitStatus]:
        data = self._rest(
            "GET",
            f"{self._repo_path()}/commits/{sha}/status",
            f"read the commit statuses of {sha[:12]}",
            query={"per_page": 100},
        )
        items = data.get("statuses") if isinstance(data, dict) else None
        return [
            CommitStatus(
                context=str(d.get("context") or "?"),
                state=str(d.get("state") or ""),
                url=d.get("target_url"),
                description=str(d.get("description") or ""),
            )
            for d in (items if isinstance(items, list) else [])
            if isinstance(d, dict)
        ]
