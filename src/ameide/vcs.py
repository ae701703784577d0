"""Git access for planning: repo root, base resolution, changed files and the file index.

Every call goes through proc (plain `git`, NUL-separated, --no-renames). GitPython is kept
for the branch/PR workflows: importing it costs ~120 ms, more than a whole `ameide affected`
answer on a small repo. See docs/architecture.md.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from ameide import proc
from ameide.errors import EnvError, UsageError
from ameide.model import Base, ChangedFile
from ameide.records import record

if TYPE_CHECKING:
    from ameide.background import Later

# ameide's own state never counts as a change.
OWN_DIRS = ("artifacts/agent-ci/", ".ameide/cache/")
CONFIG_FILE = "ameide.toml"
ZERO_SHA = "0" * 40
DEEPEN_STEPS = (50, 200, 1000)

_GIT_ENV = {
    "LC_ALL": "C",
    "GIT_OPTIONAL_LOCKS": "0",  # status must not take index.lock while an agent edits
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_PAGER": "cat",
}


def git_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    e = dict(os.environ if env is None else env)
    e.update(_GIT_ENV)
    return e


@record
class Repo:
    git_root: str
    git_dir: str
    root: str  # the monorepo root: nearest ameide.toml at or above cwd, else git_root
    prefix: str  # root relative to git_root with a trailing "/", "" when they coincide
    head: str | None
    branch: str | None  # None when detached
    shallow: bool
    env: dict[str, str]
    # the refs that name a default branch (_DEFAULT_REFS), as `git for-each-ref` listed them
    # when the repository was opened (None: not asked): one round of git fewer per run
    refs: dict[str, str] | None = None

    def git(self, *args: str) -> proc.ProcResult:
        return proc.run(("git", *args), self.git_root, env=self.env)


@record
class FileIndex:
    """Every file of the monorepo as git sees it (tracked + untracked, minus deleted).

    `blobs` maps clean tracked paths to their index blob id; dirty and untracked paths map
    to None, meaning "read the working tree".
    """

    blobs: dict[str, str | None]
    nested_roots: tuple[str, ...]  # dirs holding their own ameide.toml (separate monorepos)
    dirty: bool = False  # uncommitted changes under the root (as is_dirty() would say)
    # the identity of the index listing `blobs` starts from (None: unknown), and the paths
    # whose entry differs from that listing (dirty, untracked, deleted) with their listing
    # blob (None: not in the listing): discovery caches what it derives from the listing
    token: str | None = None
    touched: dict[str, str | None] | None = None


def _split_z(data: bytes) -> list[str]:
    return [os.fsdecode(p) for p in data.split(b"\0") if p]


def open_repo(cwd: str, env: Mapping[str, str] | None = None) -> Repo:
    """Find the git root and the monorepo root for `cwd`; exit 3 outside a git repo."""
    genv = git_env(env)
    cwd = os.path.abspath(cwd)
    if not os.path.isdir(cwd):
        raise UsageError(f"not a directory: {cwd}")
    r1, r2, r3, r4 = proc.run_many(
        [
            (
                "git",
                "rev-parse",
                "--show-toplevel",
                "--absolute-git-dir",
                "--is-shallow-repository",
            ),
            ("git", "rev-parse", "-q", "--verify", "HEAD^{commit}"),
            ("git", "symbolic-ref", "-q", "--short", "HEAD"),
            _FOR_EACH_REF,
        ],
        cwd,
        env=genv,
    )
    if r1.missing:
        raise EnvError("git is not installed", hint="install git (>= 2.30) and put it on PATH")
    if not r1.ok:
        raise EnvError(
            f"not a git repository: {cwd}",
            hint="run ameide inside a git checkout (git init, or cd into your clone)",
        )
    top, git_dir, shallow = r1.text().splitlines()[:3]
    head = r2.text().strip() or None if r2.ok else None
    branch = r3.text().strip() or None if r3.ok else None
    root = top
    d = cwd
    while True:
        if os.path.isfile(os.path.join(d, CONFIG_FILE)):
            root = d
            break
        if d == top or os.path.dirname(d) == d:
            break
        d = os.path.dirname(d)
    rel = os.path.relpath(root, top).replace(os.sep, "/")
    prefix = "" if rel == "." else rel + "/"
    refs = _refs(r4.text()) if r4.ok else None
    return Repo(top, git_dir, root, prefix, head, branch, shallow == "true", genv, refs)


# ---------------------------------------------------------------------------- base resolution


def _ci_base(env: Mapping[str, str]) -> tuple[str | None, str | None, str]:
    """(branch, sha, source) the CI names as the comparison point, if any."""
    if env.get("GITHUB_ACTIONS") == "true":
        if env.get("GITHUB_BASE_REF"):
            return env["GITHUB_BASE_REF"], None, "GitHub Actions pull request (GITHUB_BASE_REF)"
        path = env.get("GITHUB_EVENT_PATH")
        if path and os.path.isfile(path):
            import json

            try:
                with open(path, encoding="utf-8") as fh:
                    event = json.load(fh)
            except (OSError, ValueError):
                event = {}
            before = event.get("before") if isinstance(event, dict) else None
            if isinstance(before, str) and before and before != ZERO_SHA:
                return None, before, "GitHub Actions push (event 'before')"
    if env.get("GITLAB_CI") == "true":
        if env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA"):
            return (
                None,
                env["CI_MERGE_REQUEST_DIFF_BASE_SHA"],
                "GitLab merge request (CI_MERGE_REQUEST_DIFF_BASE_SHA)",
            )
        if env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME"):
            return (
                env["CI_MERGE_REQUEST_TARGET_BRANCH_NAME"],
                None,
                "GitLab merge request target (CI_MERGE_REQUEST_TARGET_BRANCH_NAME)",
            )
        before = env.get("CI_COMMIT_BEFORE_SHA")
        if before and before != ZERO_SHA:
            return None, before, "GitLab push (CI_COMMIT_BEFORE_SHA)"
    if env.get("BUILDKITE") == "true":
        pr = env.get("BUILDKITE_PULL_REQUEST", "false")
        if pr not in ("", "false") and env.get("BUILDKITE_PULL_REQUEST_BASE_BRANCH"):
            return (
                env["BUILDKITE_PULL_REQUEST_BASE_BRANCH"],
                None,
                "Buildkite pull request base (BUILDKITE_PULL_REQUEST_BASE_BRANCH)",
            )
    return None, None, ""


_DEFAULT_REFS = (
    "refs/remotes/origin/HEAD",
    "refs/remotes/origin/main",
    "refs/remotes/origin/master",
    "refs/heads/main",
    "refs/heads/master",
)
_FOR_EACH_REF = ("git", "for-each-ref", "--format=%(refname)%00%(symref)", *_DEFAULT_REFS)


def _refs(listing: str) -> dict[str, str]:
    """`git for-each-ref` of _DEFAULT_REFS -> {ref: the ref it points to, or ""}."""
    refs: dict[str, str] = {}
    for line in listing.splitlines():
        name, _, sym = line.partition("\0")
        refs[name] = sym
    return refs


def _default_branch(repo: Repo) -> tuple[str | None, str | None]:
    """(ref, short branch name) of the remote default branch, else the local main/master."""
    refs = repo.refs
    if refs is None:
        refs = _refs(repo.git(*_FOR_EACH_REF[1:]).text())
    origin_head = refs.get("refs/remotes/origin/HEAD")
    if origin_head:
        short = origin_head.removeprefix("refs/remotes/")
        return short, short.removeprefix("origin/")
    for cand in ("refs/remotes/origin/main", "refs/remotes/origin/master"):
        if cand in refs:
            short = cand.removeprefix("refs/remotes/")
            return short, short.removeprefix("origin/")
    for cand in ("refs/heads/main", "refs/heads/master"):
        if cand in refs:
            short = cand.removeprefix("refs/heads/")
            return short, short
    return None, None


def _verify(repo: Repo, ref: str) -> str | None:
    r = repo.git("rev-parse", "-q", "--verify", f"{ref}^{{commit}}")
    return r.text().strip() if r.ok else None


def _merge_base(repo: Repo, commit: str) -> str | None:
    r = repo.git("merge-base", "HEAD", commit)
    return r.text().strip() if r.ok else None


def _base_of(repo: Repo, ref: str, sha: str | None) -> str | None:
    """The merge-base of HEAD and the base (`sha` when CI named one that exists here, else
    `ref`), None when that is not a commit here or has no common history with HEAD. For a
    ref, the check that it names a commit and the merge-base run side by side."""
    if sha:
        commit = _verify(repo, sha) or _verify(repo, ref)
        return _merge_base(repo, commit) if commit is not None else None
    verify, merge = proc.run_many(
        [
            ("git", "rev-parse", "-q", "--verify", f"{ref}^{{commit}}"),
            ("git", "merge-base", "HEAD", f"{ref}^{{commit}}"),
        ],
        repo.git_root,
        env=repo.env,
    )
    if not verify.ok or not merge.ok:
        return None
    return merge.text().strip() or None


def _deepen(repo: Repo, branch: str | None, step: int) -> bool:
    """Fetch more history (and the base branch) into a shallow clone; False when impossible."""
    args = ["fetch", "--quiet", "--no-tags", f"--deepen={step}", "origin"]
    r = repo.git(*args)
    if branch:
        repo.git(
            "fetch",
            "--quiet",
            "--no-tags",
            f"--depth={step}",
            "origin",
            f"+refs/heads/{branch}:refs/remotes/origin/{branch}",
        )
    return r.ok


@record
class BaseResolution:
    base: Base
    everything_reason: str | None = None
    warnings: tuple[str, ...] = ()


def resolve_base(
    repo: Repo, explicit: str | None = None, env: Mapping[str, str] | None = None
) -> BaseResolution:
    """Pick the commit to compare with, per docs/affected.md (first match wins)."""
    env = os.environ if env is None else env
    warnings: list[str] = []
    if repo.head is None:
        return BaseResolution(Base(None, None, "repository has no commits yet: every file is new"))

    ref: str | None = None
    sha: str | None = None
    source = ""
    flag = explicit
    explicit = explicit or env.get("AMEIDE_BASE") or None
    if explicit:
        ref, source = explicit, "--base" if flag else "AMEIDE_BASE"
    else:
        ci_branch, ci_sha, ci_source = _ci_base(env)
        if ci_branch:
            ref, source = f"origin/{ci_branch}", ci_source
            if _verify(repo, ref) is None and _verify(repo, ci_branch) is not None:
                ref = ci_branch
        elif ci_sha:
            sha, ref, source = ci_sha, ci_sha, ci_source

    if ref is None:
        default_ref, default_branch = _default_branch(repo)
        if default_ref is None:
            if repo.git("rev-parse", "-q", "--verify", "HEAD~1").ok:
                return BaseResolution(
                    Base("HEAD~1", _verify(repo, "HEAD~1"), "no main/master or origin: HEAD~1")
                )
            return BaseResolution(Base(None, None, "single commit, no default branch: empty tree"))
        if repo.branch is not None and repo.branch == default_branch:
            ref = "HEAD~1"
            source = f"on the default branch '{default_branch}': previous commit"
            if not repo.shallow and _verify(repo, ref) is None:
                return BaseResolution(Base(ref, None, source + " (none: empty tree)"))
        else:
            ref, source = default_ref, f"merge-base with the default branch {default_ref}"

    fetch_branch = ref.removeprefix("origin/") if ref.startswith("origin/") else None
    for attempt in range(len(DEEPEN_STEPS) + 1):
        mb = _base_of(repo, ref, sha)
        if mb is not None:
            return BaseResolution(Base(ref, mb, source), warnings=tuple(warnings))
        if not repo.shallow or attempt == len(DEEPEN_STEPS):
            break
        step = DEEPEN_STEPS[attempt]
        warnings.append(f"shallow clone: fetching {step} more commits to find the base {ref}")
        if not _deepen(repo, fetch_branch, step):
            warnings.append("could not deepen the clone (no 'origin' remote or fetch failed)")
            break

    if explicit and not repo.shallow and _verify(repo, ref) is None:
        raise UsageError(
            f"base '{ref}' is not a commit in this repository",
            hint="pass a branch, tag or SHA that exists (git log --oneline)"
            + (", or unset AMEIDE_BASE" if source == "AMEIDE_BASE" else ""),
        )
    why = (
        f"base {ref} could not be resolved"
        + (" in this shallow clone even after deepening" if repo.shallow else "")
        + ": every target is affected"
    )
    return BaseResolution(Base(ref, None, source), everything_reason=why, warnings=tuple(warnings))


# ---------------------------------------------------------------------- files and changes


_STATUS = {"A": "added", "M": "modified", "D": "deleted", "T": "typechange", "?": "untracked"}


def _own(path: str) -> bool:
    return path.startswith(OWN_DIRS)


def _scoped(repo: Repo, paths: Iterable[str]) -> Iterable[str]:
    p = repo.prefix
    for path in paths:
        if p:
            if not path.startswith(p):
                continue
            path = path[len(p) :]
        if not _own(path):
            yield path


def _empty_tree(repo: Repo) -> str:
    r = proc.run(
        ("git", "hash-object", "-t", "tree", "--stdin"), repo.git_root, env=repo.env, input=b""
    )
    return r.text().strip()


@record
class Snapshot:
    changes: tuple[ChangedFile, ...]
    index: FileIndex


def _status_cmd(repo: Repo) -> tuple[str, ...]:
    return (
        "git",
        "status",
        "--porcelain=v1",
        "-z",
        # `normal` (an untracked directory as one `dir/` entry, expanded below) and no
        # pathspec at the git root are what git's untracked cache needs to serve this
        # (`core.untrackedCache`, `feature.manyFiles`): 170 -> 70 ms on a 17,000-file repo
        "--untracked-files=normal",
        "--no-renames",
        "--ignore-submodules=dirty",
        *(("--", repo.prefix) if repo.prefix else ()),
    )


def start_status(repo: Repo) -> Later[proc.ProcResult]:
    """snapshot()'s `git status`, started now: it needs no base, so it runs while the base
    is resolved."""
    from ameide.background import Later

    cmd = _status_cmd(repo)
    return Later(lambda: proc.run(cmd, repo.git_root, env=repo.env), "ameide-status")


def snapshot(
    repo: Repo,
    base_commit: str | None,
    *,
    want_changes: bool = True,
    cache_dir: str | None = None,
    status: Later[proc.ProcResult] | None = None,
) -> Snapshot:
    """Changed files against `base_commit` (None = empty tree) and the file index, in one go.

    The git queries run concurrently (`status`: the `git status` start_status() began);
    all paths come back relative to the monorepo root. With `cache_dir`, the parsed
    `git ls-files -s` is kept under the index file's identity (inode, size, mtime): while
    the index is unchanged, only `git status` and `git diff` run.
    """
    scope = repo.prefix or "."
    index_key = _index_key(repo)
    stored = _load_index(cache_dir, index_key)
    cmds: list[tuple[str, ...]] = [] if status is not None else [_status_cmd(repo)]
    if want_changes and repo.head is not None:
        base = base_commit or _empty_tree(repo)
        cmds.append(
            (
                "git",
                "diff",
                "--no-renames",
                "--no-ext-diff",
                "-z",
                "--name-status",
                "--ignore-submodules=dirty",
                base,
                "--",
                scope,
            )
        )
    if stored is None:
        cmds.append(
            ("git", "-c", "core.quotepath=off", "ls-files", "-z", "-s", "--full-name", "--", scope)
        )
    results = proc.run_many(cmds, repo.git_root, env=repo.env)
    if status is not None:
        results.insert(0, status.result())
    for r in results:
        if not r.ok:
            raise EnvError(
                f"git failed: {' '.join(r.argv[1:3])}: {r.err_text()}",
                hint="check that the repository is not corrupt (git fsck)",
            )
    status_out = results[0].stdout
    diff_out = results[1].stdout if want_changes and repo.head is not None else b""
    p = repo.prefix
    n = len(p)
    if stored is None:
        listing = _scope(_parse_ls_files(results[-1].stdout), p)
        stored = (listing, tuple(k[: -len(_NESTED)] for k in listing if k.endswith(_NESTED)))
        _store_index(cache_dir, index_key, stored)
    cached, cached_nested = stored
    # the listing, scoped to the monorepo root (ameide's own state left out), then the work
    # tree's differences from it
    scoped: dict[str, str | None] = dict(cached)

    dirty: dict[str, str] = {}
    status_entries = _split_z(status_out)
    status_entries = _expand_untracked_dirs(repo, status_entries)
    for entry in status_entries:
        xy, path = entry[:2], entry[3:]
        if xy == "??":
            dirty[path] = "untracked"
        elif xy[1] == "D" or (xy[0] == "D" and xy[1] == " "):
            dirty[path] = "deleted"  # gone from the work tree (staged or not)
        else:
            dirty[path] = "modified"
    for path, state in dirty.items():
        if not path.startswith(p) or path[n:].startswith(OWN_DIRS):
            continue
        if state == "deleted":
            scoped.pop(path[n:], None)
        else:
            scoped[path[n:]] = None
    # nested monorepos (a directory with an ameide.toml of its own) are left out
    found = set(cached_nested)
    for d, state in dirty.items():
        if d.endswith(_NESTED) and d.startswith(p):
            if state == "deleted":
                found.discard(d[n : -len(_NESTED)])
            else:
                found.add(d[n : -len(_NESTED)])
    nested = tuple(sorted(found))
    if nested:
        inner = tuple(x + "/" for x in nested)
        scoped = {k: v for k, v in scoped.items() if not k.startswith(inner)}

    changes: list[ChangedFile] = []
    if want_changes:
        seen: set[str] = set()
        if repo.head is not None:
            toks = _split_z(diff_out)
            for code, path in zip(toks[0::2], toks[1::2], strict=False):
                seen.add(path)
                changes.append(ChangedFile(path, _STATUS.get(code[:1], "modified")))
        for path, state in dirty.items():
            if path in seen:
                continue
            if state == "untracked" or repo.head is None:
                changes.append(ChangedFile(path, "untracked" if state == "untracked" else "added"))
        if repo.head is None:
            for path in cached:
                if p + path not in dirty:
                    changes.append(ChangedFile(p + path, "added"))
        nested_pfx = tuple(n + "/" for n in nested)
        scoped_changes = []
        for c in changes:
            rels = list(_scoped(repo, [c.path]))
            if rels and not (nested_pfx and rels[0].startswith(nested_pfx)):
                scoped_changes.append(ChangedFile(rels[0], c.status))
        changes = sorted(scoped_changes, key=lambda c: c.path)
    dirty_tree = any(not _own(d[n:]) for d in dirty if d.startswith(p))
    inner = tuple(x + "/" for x in nested)
    touched = {
        d[n:]: cached.get(d[n:])
        for d in dirty
        if d.startswith(p) and not _own(d[n:]) and not (inner and d[n:].startswith(inner))
    }
    token = f"{index_key}|{','.join(nested)}" if index_key is not None else None
    return Snapshot(tuple(changes), FileIndex(scoped, nested, dirty_tree, token, touched))


_NESTED = "/" + CONFIG_FILE


def _scope(blobs: dict[str, str], prefix: str) -> dict[str, str]:
    """Paths under the monorepo root, relative to it; ameide's own state left out."""
    if prefix:
        n = len(prefix)
        return {
            path[n:]: blob
            for path, blob in blobs.items()
            if path.startswith(prefix) and not path[n:].startswith(OWN_DIRS)
        }
    return {path: blob for path, blob in blobs.items() if not path.startswith(OWN_DIRS)}


def _parse_ls_files(out: bytes) -> dict[str, str]:
    """`git ls-files -z -s` -> {path: blob id}, submodule gitlinks left out."""
    text = out.decode("utf-8", "surrogateescape")
    blobs: dict[str, str] = {}
    for entry in text.split("\0"):
        meta, _, path = entry.partition("\t")
        if not path or meta.startswith("160000"):  # submodule gitlink: not a file
            continue
        blobs[path] = meta.split(" ", 2)[1]
    return blobs


_INDEX_MAGIC = f"ameide-index-2-py{sys.version_info[0]}.{sys.version_info[1]}"


def _index_key(repo: Repo) -> str | None:
    try:
        st = os.stat(os.path.join(repo.git_dir, "index"))
    except OSError:
        return None
    return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{repo.prefix}"


_Listing = tuple[dict[str, str], tuple[str, ...]]  # scoped path -> blob id, nested roots


def _load_index(cache_dir: str | None, key: str | None) -> _Listing | None:
    if cache_dir is None or key is None:
        return None
    import marshal

    try:
        with open(os.path.join(cache_dir, "index.bin"), "rb") as fh:
            magic, stored, value = marshal.loads(fh.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if magic != _INDEX_MAGIC or stored != key or not isinstance(value, tuple) or len(value) != 2:
        return None
    return value


def _store_index(cache_dir: str | None, key: str | None, blobs: _Listing) -> None:
    if cache_dir is None or key is None:
        return
    import marshal

    from ameide.fsutil import atomic_write_bytes

    with contextlib.suppress(OSError):  # a read-only git dir only costs speed
        os.makedirs(cache_dir, exist_ok=True)
        atomic_write_bytes(
            os.path.join(cache_dir, "index.bin"), marshal.dumps((_INDEX_MAGIC, key, blobs))
        )


def _expand_untracked_dirs(repo: Repo, entries: list[str]) -> list[str]:
    """Replace `?? dir/` entries with one `?? file` per untracked, not ignored file in them
    (one `git ls-files --others` over just those directories). A nested repository stays a
    `dir/` entry, as `--untracked-files=all` would show it."""
    dirs = [e[3:] for e in entries if e.startswith("?? ") and e.endswith("/")]
    if not dirs:
        return entries
    # literal: a directory named `a[1]` is not a glob; thousands of them: ask for all
    spec = dirs if len(dirs) <= 1000 else [repo.prefix or "."]
    argv = ("git", "--literal-pathspecs", "ls-files", "-z", "--others", "--exclude-standard")
    r = proc.run(
        (*argv, "--full-name", "--", *spec),
        repo.git_root,
        env=repo.env,
    )
    if not r.ok:
        raise EnvError(
            f"git failed: ls-files --others: {r.err_text()}",
            hint="check that the repository is not corrupt (git fsck)",
        )
    wanted = set(dirs)
    kept = [e for e in entries if e[3:] not in wanted or not e.startswith("?? ")]
    return kept + ["?? " + p for p in _split_z(r.stdout)]


def show_file(repo: Repo, commit: str, path: str) -> bytes | None:
    """The content of `path` (relative to the monorepo root) at `commit`, None if absent."""
    r = proc.run(("git", "show", f"{commit}:{repo.prefix}{path}"), repo.git_root, env=repo.env)
    return r.stdout if r.ok else None


def show_files(repo: Repo, commit: str, paths: Iterable[str]) -> dict[str, bytes | None]:
    """The content of each of `paths` at `commit` (None if absent), in one `git cat-file`."""
    wanted = sorted(set(paths))
    out: dict[str, bytes | None] = {}
    batch = [p for p in wanted if "\n" not in p]  # the batch protocol is line based
    for p in wanted:
        if "\n" in p:
            out[p] = show_file(repo, commit, p)
    if not batch:
        return out
    spec = "".join(f"{commit}:{repo.prefix}{p}\n" for p in batch).encode("utf-8", "surrogateescape")
    r = proc.run(("git", "cat-file", "--batch"), repo.git_root, env=repo.env, input=spec)
    data, pos = r.stdout, 0
    for p in batch:
        if not r.ok:
            out[p] = show_file(repo, commit, p)
            continue
        end = data.find(b"\n", pos)
        line = data[pos:end]
        pos = end + 1
        if line.endswith((b" missing", b" ambiguous")):  # the spec may hold spaces
            out[p] = None
            continue
        _, kind, size = line.split(b" ")  # "<object id> <type> <size>", then the content
        out[p] = data[pos : pos + int(size)] if kind == b"blob" else None
        pos += int(size) + 1  # the content is followed by a newline
    return out


def paths_in_commit(repo: Repo, commit: str, paths: Iterable[str]) -> set[str]:
    """Which of `paths` (dirs or files, relative to the monorepo root) exist at `commit`."""
    wanted = sorted(set(paths))
    if not wanted:
        return set()
    r = proc.run(
        ("git", "ls-tree", "-z", "--name-only", commit, "--", *[repo.prefix + p for p in wanted]),
        repo.git_root,
        env=repo.env,
    )
    found = {p[len(repo.prefix) :] for p in _split_z(r.stdout)} if r.ok else set()
    return {p for p in wanted if p in found}


def tree_id(repo: Repo, commit: str, path: str) -> str | None:
    """The git tree (or blob) id of `path` (relative to the monorepo root) at `commit`: what a
    directory held there, independent of which commit it was (for cache keys)."""
    spec = f"{commit}:{repo.prefix}{'' if path == '.' else path}"
    r = repo.git("rev-parse", "-q", "--verify", spec)
    return r.text().strip() or None if r.ok else None


def is_dirty(repo: Repo) -> bool:
    r = proc.run(
        (
            "git",
            "status",
            "--porcelain",
            "-z",
            "--untracked-files=normal",
            "--",
            repo.prefix or ".",
        ),
        repo.git_root,
        env=repo.env,
    )
    entries = [e for e in _split_z(r.stdout) if not _own(e[3:][len(repo.prefix) :])]
    return bool(entries)


# ---------------------------------------------------------------------- agent profiles


def origin_url(git_root: str, env: Mapping[str, str] | None = None) -> str | None:
    """The `origin` remote's URL (for the `*-gitops` profile rule), None without one."""
    r = proc.run(("git", "config", "--get", "remote.origin.url"), git_root, env=git_env(env))
    return r.text().strip() or None if r.ok else None


def worktree_state(git_root: str, env: Mapping[str, str] | None = None) -> tuple[str, list[str]]:
    """(HEAD commit or "(initial)", paths of every changed, staged and untracked file) in one
    `git status` (the stop gate's fingerprint of the tree). Raises EnvError when git fails."""
    r = proc.run(
        (
            "git",
            "status",
            "--porcelain=v2",
            "-z",
            "--branch",
            "--untracked-files=all",
            "--no-renames",
            "--ignore-submodules=dirty",
        ),
        git_root,
        env=git_env(env),
    )
    if not r.ok:
        raise EnvError(
            f"git failed: status: {r.err_text()}",
            hint="check that the repository is not corrupt (git fsck)",
        )
    head, paths = "(initial)", []
    for entry in _split_z(r.stdout):
        if entry.startswith("# branch.oid "):
            head = entry[len("# branch.oid ") :]
        elif entry.startswith(("1 ", "2 ")):
            paths.append(entry.split(" ", 8)[-1])
        elif entry.startswith("u "):
            paths.append(entry.split(" ", 10)[-1])
        elif entry.startswith("? "):
            paths.append(entry[2:])
    return head, paths


def git_path(git_root: str, name: str, env: Mapping[str, str] | None = None) -> str:
    """`git rev-parse --git-path NAME` as an absolute path (info/exclude works in worktrees)."""
    r = proc.run(("git", "rev-parse", "--git-path", name), git_root, env=git_env(env))
    if not r.ok:
        raise EnvError(
            f"git failed: rev-parse --git-path {name}: {r.err_text()}",
            hint="check that this is a git checkout (git status)",
        )
    return os.path.normpath(os.path.join(git_root, r.text().strip()))


def tracked(git_root: str, paths: Iterable[str], env: Mapping[str, str] | None = None) -> set[str]:
    """Which of `paths` (relative to the git root) git tracks."""
    wanted = sorted(set(paths))
    if not wanted:
        return set()
    r = proc.run(
        ("git", "ls-files", "-z", "--full-name", "--", *wanted), git_root, env=git_env(env)
    )
    return set(_split_z(r.stdout)) & set(wanted) if r.ok else set()


# ---------------------------------------------------------------- branch and PR workflows
#
# `ameide branch start` and `ameide pr open|status` (docs/workflows.md) use plain git through
# proc as well: GitPython would shell out to git for fetch and push anyway, and its error text
# carries the full command line and remote URL (which may hold credentials). Every call here
# is non-interactive (GIT_TERMINAL_PROMPT=0, no controlling terminal) and bounded by a timeout.

NET_TIMEOUT = 300.0  # seconds for fetch / ls-remote / push


def redact_url(text: str) -> str:
    """`https://user:secret@host/x` -> `https://***@host/x` (anywhere in `text`)."""
    import re

    return re.sub(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]+@", r"\1***@", text)


@record
class Commit:
    sha: str
    subject: str
    body: str


@record
class RemoteHeads:
    """What `git ls-remote` says about a remote: its default branch and some branch heads."""

    default_branch: str | None
    heads: dict[str, str]  # branch name -> commit


@record
class PushResult:
    ok: bool
    status: str  # new | updated | forced | up-to-date | rejected | stale | remote-rejected
    detail: str  # git's summary for the ref: [new branch], [rejected] (non-fast-forward), ...
    upstream: str | None  # `<remote>/<branch>` once set


def _git_text(repo: Repo, *args: str) -> str | None:
    r = repo.git(*args)
    return r.text().strip() if r.ok else None


def _net(
    repo: Repo, args: tuple[str, ...], extra_env: Mapping[str, str] | None = None
) -> proc.ProcResult:
    env = dict(repo.env)
    env.setdefault("GCM_INTERACTIVE", "never")  # Git Credential Manager: never open a prompt
    if extra_env:
        env.update(extra_env)
    return proc.run(("git", *args), repo.git_root, env=env, timeout=NET_TIMEOUT)


def _net_error(what: str, remote: str, r: proc.ProcResult) -> EnvError:
    err = redact_url(r.err_text() or r.text()).strip()
    last = err.splitlines()[-3:] if err else [f"exit code {r.returncode}"]
    low = err.lower()
    if r.returncode == 124:
        hint = "the remote did not answer in time; check the network and retry"
    elif any(s in low for s in ("could not resolve host", "connection refused", "timed out")):
        hint = "the remote is unreachable: check the network (and proxy settings), then retry"
    elif any(
        s in low
        for s in ("authentication failed", "permission denied", "could not read username", "403")
    ):
        hint = (
            f"git could not authenticate to {remote}: set up credentials for git "
            "(gh auth setup-git, a credential helper, or an SSH key)"
        )
    else:
        hint = f"check that the remote {remote!r} exists and is reachable (git remote -v)"
    return EnvError(f"git {what} {remote} failed: " + " | ".join(last), hint=hint)


def remote_url(
    git_root: str, remote: str, env: Mapping[str, str] | None = None, *, push: bool = False
) -> str | None:
    """The URL git fetches from (or pushes to) for `remote`, insteadOf rules applied; None
    without such a remote."""
    args = ("git", "remote", "get-url", *(("--push",) if push else ()), remote)
    r = proc.run(args, git_root, env=git_env(env))
    return r.text().strip() or None if r.ok else None


def remote_names(repo: Repo) -> list[str]:
    return sorted((_git_text(repo, "remote") or "").split())


def uncommitted(repo: Repo) -> list[str]:
    """Uncommitted changes anywhere in the checkout (staged, unstaged, untracked; not ignored),
    as `XY path` lines, ameide's own artifacts left out."""
    r = repo.git("status", "--porcelain=v1", "-z", "--untracked-files=normal", "--no-renames")
    if not r.ok:
        raise EnvError(
            f"git status failed: {r.err_text()}",
            hint="check that the repository is not corrupt (git fsck)",
        )
    out = []
    for entry in _split_z(r.stdout):
        path = entry[3:]
        inner = path[len(repo.prefix) :] if path.startswith(repo.prefix) else None
        if inner is not None and _own(inner):
            continue
        out.append(f"{entry[:2]} {path}")
    return out


def valid_branch_name(repo: Repo, name: str) -> bool:
    return repo.git("check-ref-format", "--branch", name).ok and not name.startswith("-")


def local_branch_exists(repo: Repo, name: str) -> bool:
    return repo.git("show-ref", "--verify", "--quiet", f"refs/heads/{name}").ok


def config_get(repo: Repo, key: str) -> str | None:
    return _git_text(repo, "config", "--get", key) or None


def config_set(repo: Repo, key: str, value: str) -> None:
    r = repo.git("config", key, value)
    if not r.ok:
        raise EnvError(f"git config {key} failed: {r.err_text()}", hint="is .git/config writable?")


def ls_remote(repo: Repo, remote: str, branches: Iterable[str] = ()) -> RemoteHeads:
    """The remote's default branch (its HEAD) and the heads of `branches` that exist there."""
    wanted = sorted(set(branches))
    r = _net(repo, ("ls-remote", "--symref", remote, "HEAD", *(f"refs/heads/{b}" for b in wanted)))
    if not r.ok:
        raise _net_error("ls-remote", remote, r)
    default: str | None = None
    heads: dict[str, str] = {}
    for line in r.text().splitlines():
        left, _, ref = line.partition("\t")
        if left.startswith("ref: ") and ref == "HEAD":
            default = left[5:].removeprefix("refs/heads/")
        elif ref.startswith("refs/heads/") and ref[11:] in wanted:
            heads[ref[11:]] = left
    return RemoteHeads(default, heads)


def fetch_branch(repo: Repo, remote: str, branch: str) -> str:
    """Fetch `branch` into `refs/remotes/<remote>/<branch>`; returns its commit."""
    tracking = f"refs/remotes/{remote}/{branch}"
    r = _net(repo, ("fetch", "--quiet", "--no-tags", remote, f"+refs/heads/{branch}:{tracking}"))
    if not r.ok:
        if "couldn't find remote ref" in r.err_text().lower():
            raise UsageError(
                f"branch {branch!r} does not exist on {remote}",
                hint=f"name a branch that exists there (git ls-remote --heads {remote})",
            )
        raise _net_error("fetch", remote, r)
    sha = _git_text(repo, "rev-parse", "--verify", f"{tracking}^{{commit}}")
    if not sha:
        raise EnvError(f"fetched {remote}/{branch} but cannot resolve {tracking}")
    return sha


def switch_new_branch(repo: Repo, name: str, start: str) -> None:
    """Create `name` at `start` (no upstream yet: `pr open` sets it when it pushes), switch."""
    r = repo.git("switch", "--quiet", "--no-track", "-c", name, start)
    if not r.ok:
        raise EnvError(
            f"git switch -c {name} failed: {r.err_text()}",
            hint="resolve what git reports (git status), then rerun",
        )


def merge_base(repo: Repo, a: str, b: str) -> str | None:
    return _git_text(repo, "merge-base", a, b)


def ahead_behind(repo: Repo, ref: str, other: str) -> tuple[int, int]:
    """(commits on `ref` not on `other`, commits on `other` not on `ref`)."""
    out = _git_text(repo, "rev-list", "--left-right", "--count", f"{ref}...{other}") or "0 0"
    left, _, right = out.partition("\t")
    return int(left or 0), int(right or 0)


def commits_between(repo: Repo, base: str, head: str = "HEAD") -> list[Commit]:
    """Commits reachable from `head` and not from `base`, oldest first (no merges' parents)."""
    r = repo.git("log", "--reverse", "--no-color", "--format=%H%x00%s%x00%b%x1e", f"{base}..{head}")
    if not r.ok:
        raise EnvError(f"git log {base}..{head} failed: {r.err_text()}")
    out = []
    for rec in r.text().split("\x1e"):
        rec = rec.strip("\n")
        if not rec:
            continue
        sha, subject, body = [*rec.split("\0"), "", ""][:3]
        out.append(Commit(sha, subject, body.strip()))
    return out


def rev_of(repo: Repo, ref: str) -> str | None:
    """The commit `ref` names, or None when it names none (no network)."""
    return _git_text(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}") or None


def upstream_of(repo: Repo, branch: str) -> str | None:
    return _git_text(repo, "rev-parse", "--abbrev-ref", f"{branch}@{{upstream}}")


def push_branch(
    repo: Repo,
    remote: str,
    branch: str,
    *,
    force_with_lease: bool = False,
    extra_env: Mapping[str, str] | None = None,
) -> PushResult:
    """`git push --porcelain -u <remote> <branch>`: never forced unless `force_with_lease`
    (which only overwrites what the remote-tracking ref says is there). A rejected ref is a
    result; a push that could not talk to the remote raises EnvError."""
    args = ["push", "--porcelain", "--set-upstream"]
    if force_with_lease:
        args.append(f"--force-with-lease=refs/heads/{branch}")
    args += [remote, f"refs/heads/{branch}:refs/heads/{branch}"]
    r = _net(repo, tuple(args), extra_env)
    line = next(
        (ln for ln in r.text().splitlines() if f"\trefs/heads/{branch}:" in ln),
        "",
    )
    flag, _, rest = line.partition("\t")
    summary = rest.partition("\t")[2].strip()
    if r.ok:
        status = {"*": "new", "+": "forced", "=": "up-to-date"}.get(flag, "updated")
        return PushResult(True, status, summary, upstream_of(repo, branch))
    if flag == "!":
        low = summary.lower()
        if "remote rejected" in low:
            status = "remote-rejected"
        elif "stale info" in low:
            status = "stale"
        else:
            status = "rejected"
        return PushResult(False, status, summary, None)
    raise _net_error("push to", remote, r)
