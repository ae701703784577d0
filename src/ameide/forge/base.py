"""The forge interface the workflows use (GitHub today, GitLab can follow): records for pull
requests, reviews and checks, the `Forge` protocol, and the one error type forges raise."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ameide.errors import AmeideError, ExitCode
from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Sequence


@record
class RepoRef:
    """The repository pull requests are opened in."""

    host: str  # github.com, ghe.example.com, 127.0.0.1:8080 (a stand-in)
    owner: str
    name: str

    @property
    def slug(self) -> str:
        return f"{self.owner}/{self.name}"


@record
class PullRequest:
    number: int
    url: str  # the web page
    state: str  # open | closed | merged
    draft: bool
    title: str
    body: str
    base: str  # base branch
    head: str  # head branch
    head_sha: str
    node_id: str  # GraphQL id (draft <-> ready)
    mergeable: bool | None = None  # None: not computed yet (or not asked)
    mergeable_state: str | None = None  # clean | dirty | blocked | behind | unstable | draft ...
    requested_reviewers: tuple[str, ...] = ()


@record
class Review:
    user: str
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING
    submitted_at: str | None


@record
class CheckRun:
    name: str
    status: str  # queued | in_progress | completed | waiting | requested | pending
    conclusion: str | None  # success | failure | neutral | cancelled | skipped | timed_out ...
    url: str | None
    app: str | None


@record
class CommitStatus:
    """A commit status (the older statuses API many CI systems still report through)."""

    context: str
    state: str  # success | failure | error | pending
    url: str | None
    description: str


class ForgeError(AmeideError):
    """A forge (or the way to it) refused or failed a request.

    `kind`: token | auth | forbidden | sso | not-found | rate-limit | validation | exists |
    network | server | protocol. Messages never contain the token.
    """

    exit_code = ExitCode.ENVIRONMENT

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        hint: str | None = None,
        status: int | None = None,
        exit_code: ExitCode | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.kind = kind
        self.status = status
        if exit_code is not None:
            self.exit_code = exit_code


class Forge(Protocol):
    """What `ameide pr open|status` needs from a forge. Implementations: forge/github.py."""

    kind: str  # "github"
    repo: RepoRef
    api_url: str

    def find_pr(self, branch: str, *, state: str = "open") -> PullRequest | None:
        """The newest pull request whose head is `branch` of `repo` (state open | all)."""
        ...

    def get_pr(self, number: int) -> PullRequest:
        """One pull request, with its mergeability."""
        ...

    def create_pr(
        self, *, branch: str, base: str, title: str, body: str, draft: bool
    ) -> PullRequest:
        """Open a pull request; ForgeError kind `exists` when one is open for `branch`."""
        ...

    def update_pr(
        self, number: int, *, title: str | None, body: str | None, base: str | None = None
    ) -> PullRequest:
        """Change what is given (None: leave it)."""
        ...

    def set_draft(self, pr: PullRequest, draft: bool) -> PullRequest:
        """Convert to draft / mark ready for review."""
        ...

    def reviews(self, number: int) -> Sequence[Review]: ...

    def check_runs(self, sha: str) -> Sequence[CheckRun]: ...

    def statuses(self, sha: str) -> Sequence[CommitStatus]: ...
