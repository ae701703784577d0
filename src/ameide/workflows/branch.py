"""`ameide branch start TOPIC`: a feature branch `<prefix><slug>` from the freshly fetched
remote default branch (or `--base`), switched to. Refuses, changing nothing, on a dirty tree,
a detached HEAD, a missing remote, or a branch of that name (here or on the remote); running
it again on the branch it made is a no-op."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from ameide.errors import EnvError, UsageError
from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Mapping

BASE_KEY = "branch.{}.ameide-base"  # git config: the base a branch was started from
MAX_SLUG = 60


@record
class BranchReport:
    action: str  # created | unchanged
    branch: str
    base: str  # the base branch on the remote
    remote: str
    base_commit: str | None  # the commit the branch starts from (created), None (unchanged)
    head: str | None
    prefix: str
    prefix_source: str
    profile: str
    ahead: int = 0  # unchanged: commits on the branch since it left the base
    behind: int = 0  # unchanged: commits the (local copy of the) base has gained since


def slugify(topic: str) -> str:
    """'Fix login: 500 on empty e-mail!' -> 'fix-login-500-on-empty-e-mail'."""
    t = unicodedata.normalize("NFKD", topic).encode("ascii", "ignore").decode()
    t = re.sub(r"[^a-z0-9._]+", "-", t.lower())
    t = re.sub(r"[-.]{2,}", "-", t).strip("-._")
    if len(t) > MAX_SLUG:
        t = t[:MAX_SLUG].rstrip("-._")
    return t.removesuffix(".lock")


def branch_name(prefix: str, topic: str) -> str:
    if prefix and topic.startswith(prefix):
        topic = topic[len(prefix) :]  # `branch start codex/x` with prefix codex/ -> codex/x
    slug = slugify(topic)
    if not slug:
        raise UsageError(
            f"topic {topic!r} has no letters or digits to name a branch after",
            hint="describe the change in a few words, e.g. `ameide branch start fix-login`",
        )
    return prefix + slug


def start(
    cwd: str,
    env: Mapping[str, str],
    topic: str,
    *,
    base: str | None = None,
    prefix: str | None = None,
) -> BranchReport:
    from ameide import vcs
    from ameide.forge import remote_name
    from ameide.workflows.common import branch_prefix, context, dirty_error, require_branch

    ctx = context(cwd, env)
    repo = ctx.repo
    pfx, pfx_source = branch_prefix(ctx.detected, env, prefix)
    name = branch_name(pfx, topic)
    if not vcs.valid_branch_name(repo, name):
        raise UsageError(
            f"{name!r} is not a valid branch name",
            hint="choose a simpler topic (letters, digits, '-')",
        )
    if base is not None and (not vcs.valid_branch_name(repo, base) or base.startswith("refs/")):
        raise UsageError(
            f"--base {base!r} is not a branch name",
            hint="name a branch of the remote, e.g. --base main (not origin/main, not a SHA)",
        )
    current = require_branch(repo, "branch start")
    remote = remote_name(ctx.config)
    if vcs.remote_url(repo.git_root, remote, repo.env) is None:
        have = ", ".join(vcs.remote_names(repo)) or "none"
        raise EnvError(
            f"this checkout has no remote {remote!r} (remotes: {have}): there is no default "
            "branch to start from",
            hint=f"add it (git remote add {remote} <url>), or name another one with "
            "[forge] remote in ameide.toml",
        )
    profile = ctx.detected.profile.name

    def report(action: str, use: str, base_commit: str | None, head: str | None) -> BranchReport:
        return BranchReport(action, name, use, remote, base_commit, head, pfx, pfx_source, profile)

    recorded = vcs.config_get(repo, BASE_KEY.format(name))
    if current == name:
        if base is not None and recorded is not None and base != recorded:
            raise UsageError(
                f"already on {name}, which was started from {recorded}, not {base}",
                hint=f"keep working on it, or start another topic from {base}",
            )
        used = base or recorded
        ahead = behind = 0
        tracking = f"refs/remotes/{remote}/{used}" if used else None
        if tracking and vcs.merge_base(repo, "HEAD", tracking):
            ahead, behind = vcs.ahead_behind(repo, "HEAD", tracking)
        from ameide.records import replace

        return replace(report("unchanged", used or "", None, repo.head), ahead=ahead, behind=behind)

    dirty = vcs.uncommitted(repo)
    if dirty:
        raise dirty_error(dirty, f"branch start would carry them onto {name}")
    if vcs.local_branch_exists(repo, name):
        raise UsageError(
            f"branch {name} already exists",
            hint=f"continue it (git switch {name}), or choose another topic",
        )
    heads = vcs.ls_remote(repo, remote, [name] + ([base] if base else []))
    if name in heads.heads:
        raise UsageError(
            f"branch {name} already exists on {remote}",
            hint=f"continue that work (git fetch {remote} {name} && git switch {name}), or "
            "choose another topic",
        )
    use = base or heads.default_branch
    if not use:
        raise EnvError(
            f"{remote} does not say which branch is its default (an empty repository?)",
            hint="name the base explicitly: ameide branch start TOPIC --base main",
        )
    if base and base not in heads.heads:
        raise UsageError(
            f"--base {base}: no such branch on {remote}",
            hint=f"name a branch that exists there (git ls-remote --heads {remote})",
        )
    sha = vcs.fetch_branch(repo, remote, use)
    vcs.switch_new_branch(repo, name, f"refs/remotes/{remote}/{use}")
    vcs.config_set(repo, BASE_KEY.format(name), use)
    return report("created", use, sha, sha)
