"""The forge layer without a checkout flow: remote URLs, which forge and API a checkout uses,
the token chain (env, gh, coder), the push credentials, and the pure helpers of `pr`."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from ameide.config import Config
from ameide.errors import ExitCode
from ameide.forge import parse_remote_url, resolve
from ameide.forge.auth import Secret, resolve_token
from ameide.forge.base import CheckRun, CommitStatus, ForgeError, Review
from ameide.forge.github import api_url_for, graphql_url
from ameide.vcs import Commit, open_repo, redact_url
from ameide.workflows.branch import slugify
from ameide.workflows.evidence import block, compose_body, default_title
from ameide.workflows.pr import checks_state, review_decision
from tests.conftest import MakeRepo, git
from tests.workflows.conftest import TOKEN


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/acme/app.git", ("github.com", "acme", "app")),
        ("https://github.com/acme/app", ("github.com", "acme", "app")),
        ("https://github.com/acme/app/", ("github.com", "acme", "app")),
        ("https://x-access-token:ghs_abc@github.com/acme/app.git", ("github.com", "acme", "app")),
        ("git@github.com:acme/app.git", ("github.com", "acme", "app")),
        ("git@github.com:acme/app", ("github.com", "acme", "app")),
        ("ssh://git@github.com/acme/app.git", ("github.com", "acme", "app")),
        ("ssh://git@github.com:22/acme/app.git", ("github.com", "acme", "app")),
        ("https://ghe.example.com/team/svc.git", ("ghe.example.com", "team", "svc")),
        ("https://ghe.example.com:8443/team/svc", ("ghe.example.com:8443", "team", "svc")),
        ("git@GHE.example.com:team/my.repo.git", ("ghe.example.com", "team", "my.repo")),
        ("/srv/git/app.git", None),
        ("file:///srv/git/app.git", None),
        ("../origin.git", None),
        ("https://github.com/acme", None),
        ("https://gitlab.com/group/sub/app.git", None),  # nested groups: not a GitHub shape
    ],
)
def test_parse_remote_url(url: str, expected: tuple[str, str, str] | None) -> None:
    assert parse_remote_url(url) == expected


def test_api_and_graphql_urls() -> None:
    assert api_url_for("github.com") == "https://api.github.com"
    assert api_url_for("ghe.example.com") == "https://ghe.example.com/api/v3"
    assert graphql_url("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url("https://ghe.example.com/api/v3/") == "https://ghe.example.com/api/graphql"
    assert graphql_url("http://127.0.0.1:9") == "http://127.0.0.1:9/graphql"


def test_redact_url() -> None:
    assert redact_url("fatal: https://bot:ghp_x@github.com/a/b.git") == (
        "fatal: https://***@github.com/a/b.git"
    )
    assert redact_url("git@github.com:a/b.git") == "git@github.com:a/b.git"


def _target(make_repo: MakeRepo, url: str, toml: str = "", **env: str) -> object:
    repo = make_repo({"ameide.toml": toml} if toml else {"x": "x"})
    git(repo, "remote", "add", "origin", url)
    r = open_repo(str(repo))
    from ameide.config import load

    cfg = load(r.root) if toml else Config.from_data(None, "", {})
    return resolve(r, cfg, env)


def test_resolve_github_com_and_enterprise(make_repo: MakeRepo) -> None:
    t = _target(make_repo, "https://bot:secret@github.com/acme/app.git")
    assert (t.kind, t.repo.slug, t.repo.host, t.api_url) == (  # type: ignore[attr-defined]
        "github",
        "acme/app",
        "github.com",
        "https://api.github.com",
    )
    assert t.remote_url == "https://***@github.com/acme/app.git"  # type: ignore[attr-defined]
    ghe = _target(make_repo, "git@ghe.example.com:team/svc.git", '[forge]\nkind = "github"\n')
    assert ghe.api_url == "https://ghe.example.com/api/v3"  # type: ignore[attr-defined]
    assert ghe.how == ("repository from remote origin", "kind from [forge] kind")  # type: ignore[attr-defined]
    env = _target(
        make_repo,
        "/srv/git/app.git",
        AMEIDE_FORGE_API_URL="http://127.0.0.1:9/",
        AMEIDE_FORGE_REPO="o/r",
    )
    assert (env.api_url, env.repo.slug, env.repo.host) == (  # type: ignore[attr-defined]
        "http://127.0.0.1:9",
        "o/r",
        "127.0.0.1:9",
    )
    cfg = _target(
        make_repo,
        "git@github.com:acme/app.git",
        '[forge]\nrepo = "acme/fork"\napi_url = "https://api.example.com"\n',
    )
    assert (cfg.repo.slug, cfg.api_url) == ("acme/fork", "https://api.example.com")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "https://gitlab.com/g/app.git",
            "remote origin is on gitlab.com: GitLab is not supported yet",
        ),
        (
            "https://git.example.com/g/app.git",
            "cannot tell which forge serves git.example.com (remote origin)",
        ),
        ("/srv/git/app.git", "cannot tell the repository from remote origin (/srv/git/app.git)"),
    ],
)
def test_resolve_refuses_what_it_cannot_tell(make_repo: MakeRepo, url: str, message: str) -> None:
    with pytest.raises(Exception) as info:
        _target(make_repo, url)
    assert str(info.value) == message
    assert info.value.exit_code == ExitCode.USAGE  # type: ignore[attr-defined]


def test_a_bad_forge_table_is_a_config_error(make_repo: MakeRepo, run_cli: object) -> None:
    from ameide.config import load
    from ameide.errors import ConfigError

    repo = make_repo({"ameide.toml": '[forge]\nrepo = "not a slug"\nflavour = 1\n'})
    with pytest.raises(ConfigError) as info:
        load(str(repo))
    assert "forge.repo: String should match pattern" in info.value.message
    assert "forge.flavour: unknown key" in info.value.message


# --------------------------------------------------------------------------- the token chain


def _fake(bin_dir: Path, name: str, script: str) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    p = bin_dir / name
    p.write_text("#!/bin/sh\n" + script)
    p.chmod(0o755)


def test_token_precedence(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    _fake(bin_dir, "gh", 'echo "$@" > "$(dirname "$0")/gh.args"; echo gho_from_gh\n')
    _fake(bin_dir, "coder", 'echo "$@" > "$(dirname "$0")/coder.args"; echo ghu_from_coder\n')
    path = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    cwd = str(tmp_path)
    t = resolve_token("github.com", {**path, "GH_TOKEN": "a", "GITHUB_TOKEN": "b"}, cwd)
    assert (t.reveal(), t.source) == ("a", "GH_TOKEN")
    t = resolve_token("github.com", {**path, "GITHUB_TOKEN": "b", "GH_TOKEN": " "}, cwd)
    assert (t.reveal(), t.source) == ("b", "GITHUB_TOKEN")
    t = resolve_token("ghe.example.com", {**path, "GH_ENTERPRISE_TOKEN": "e"}, cwd)
    assert t.source == "GH_ENTERPRISE_TOKEN"
    t = resolve_token("ghe.example.com", path, cwd)
    assert (t.reveal(), t.source) == ("gho_from_gh", "gh auth token --hostname ghe.example.com")
    assert (bin_dir / "gh.args").read_text() == "auth token --hostname ghe.example.com\n"
    _fake(bin_dir, "gh", "echo 'not logged in' >&2; exit 1\n")
    t = resolve_token("github.com", path, cwd)
    assert (t.reveal(), t.source) == ("ghu_from_coder", "coder external-auth access-token github")
    assert (bin_dir / "coder.args").read_text() == "external-auth access-token github\n"
    t = resolve_token("github.com", {**path, "AMEIDE_CODER_EXTERNAL_AUTH_ID": "gh-corp"}, cwd)
    assert t.source == "coder external-auth access-token gh-corp"


def test_no_token_names_what_was_tried(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    _fake(bin_dir, "gh", "exit 1\n")
    _fake(bin_dir, "coder", "echo 'https://coder.example.com/external-auth/github' ; exit 1\n")
    with pytest.raises(ForgeError) as info:
        resolve_token("github.com", {"PATH": f"{bin_dir}:/usr/bin:/bin"}, str(tmp_path))
    e = info.value
    assert (e.kind, e.exit_code) == ("token", ExitCode.ENVIRONMENT)
    assert e.message == (
        "no token for github.com: tried GH_TOKEN, GITHUB_TOKEN (unset); gh auth token "
        "--hostname github.com (exit 1: not logged in); coder external-auth access-token "
        "github (exit 1: not authenticated, or no such provider)"
    )
    assert e.hint is not None and "gh auth login --hostname github.com" in e.hint


def test_a_secret_never_shows() -> None:
    s = Secret(TOKEN, "GH_TOKEN")
    assert TOKEN not in repr(s) and TOKEN not in str(s) and TOKEN not in f"{s}"
    assert s.scrub(f"x {TOKEN} y") == "x *** y"
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(s)


def test_push_credentials_go_through_the_environment(make_repo: MakeRepo) -> None:
    from ameide.forge.base import RepoRef
    from ameide.workflows.pr import _push_env

    repo = make_repo({"x": "x"})
    git(repo, "remote", "add", "origin", "https://github.com/acme/app.git")
    extra = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "a.b", "GIT_CONFIG_VALUE_0": "c"}
    r = open_repo(str(repo), {**os.environ, **extra})
    target = resolve(r, Config.from_data(None, "", {}), {})
    env = _push_env(target, r, Secret(TOKEN, "GH_TOKEN"))
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    assert env == {
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_1": "http.https://github.com/.extraheader",
        "GIT_CONFIG_VALUE_1": f"AUTHORIZATION: basic {basic}",
    }
    # ssh remotes, other hosts and URLs with their own credentials are left alone
    for url in ("git@github.com:acme/app.git", "https://bot:pw@github.com/acme/app.git"):
        git(repo, "remote", "set-url", "origin", url)
        assert _push_env(target, r, Secret(TOKEN, "GH_TOKEN")) == {}
    other = type(target)(
        **{**{f: getattr(target, f) for f in target.__slots__}, "repo": RepoRef("ghe.x", "a", "b")}
    )  # type: ignore[attr-defined]
    git(repo, "remote", "set-url", "origin", "https://github.com/acme/app.git")
    assert _push_env(other, r, Secret(TOKEN, "GH_TOKEN")) == {}


# --------------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    ("topic", "slug"),
    [
        ("Fix login", "fix-login"),
        ("  fix: 500 on /login!! ", "fix-500-on-login"),
        ("Überprüfung der Ränder", "uberprufung-der-rander"),
        ("a..b--c", "a-b-c"),
        ("release.lock", "release"),
        ("x" * 80, "x" * 60),
        ("!!!", ""),
    ],
)
def test_slugify(topic: str, slug: str) -> None:
    assert slugify(topic) == slug


def test_review_decision() -> None:
    def rv(user: str, state: str) -> Review:
        return Review(user, state, None)

    assert review_decision([], ()) == "none"
    assert review_decision([], ("lead",)) == "review_required"
    assert review_decision([rv("a", "COMMENTED")], ("lead",)) == "review_required"
    assert review_decision([rv("a", "APPROVED")], ()) == "approved"
    assert review_decision([rv("a", "APPROVED"), rv("b", "CHANGES_REQUESTED")], ()) == (
        "changes_requested"
    )
    assert review_decision([rv("b", "CHANGES_REQUESTED"), rv("b", "APPROVED")], ()) == "approved"
    assert review_decision([rv("b", "APPROVED"), rv("b", "DISMISSED")], ()) == "none"


def test_checks_state() -> None:
    ok = CheckRun("a", "completed", "success", None, None)
    skip = CheckRun("b", "completed", "skipped", None, None)
    running = CheckRun("c", "in_progress", None, None, None)
    bad = CheckRun("d", "completed", "timed_out", None, None)
    st_pending = CommitStatus("ci", "pending", None, "")
    st_err = CommitStatus("ci", "error", None, "")
    assert checks_state((), ()) == "none"
    assert checks_state((ok, skip), ()) == "passing"
    assert checks_state((ok, running), ()) == "pending"
    assert checks_state((ok,), (st_pending,)) == "pending"
    assert checks_state((ok, running, bad), ()) == "failing"
    assert checks_state((ok,), (st_err,)) == "failing"


def _task(kind: str, cases: int, *, cached: bool) -> dict[str, object]:
    return {"kind": kind, "status": "passed", "cached": cached, "tests": {"total": cases}}


def _summary(targets: int) -> dict[str, object]:
    return {
        "schema": 1,
        "run_id": "20260101T000000Z-abcdef",
        "head": "f" * 40,
        "dirty": False,
        "result": "passed",
        "changed_files": [{"path": "a"}],
        "targets": [
            {
                "id": f"go:example.com/m/p{i}",
                "reason": f"go:example.com/m/p{i} <- changed p{i}/a.go",
            }
            for i in range(targets)
        ],
        "phases": [
            {
                "phase": 0,
                "name": "contract",
                "status": "passed",
                "duration": 1.25,
                "tasks": [_task("vet", 1, cached=True)],
            },
            {
                "phase": 1,
                "name": "unit",
                "status": "passed",
                "duration": 75.0,
                "tasks": [_task("unit", 5, cached=True), _task("unit", 6, cached=False)],
            },
        ],
        "totals": {"tasks": 3, "tests": 12, "duration": 77.5},
        "guardrails": {"profile": "code", "status": "passed", "checked": 1},
    }


def test_the_generated_block() -> None:
    from ameide.workflows.evidence import Evidence

    commits = [Commit("a" * 40, "feat: one | two", ""), Commit("b" * 40, "fix: three", "body")]
    ev = Evidence("passed", None, "20260101T000000Z-abcdef", "/r", _summary(32))
    text = block(commits, ev, "f" * 40, "code")
    lines = text.splitlines()
    assert lines[0].startswith("<!-- ameide:begin") and lines[-1] == "<!-- ameide:end -->"
    assert "- `aaaaaaaaaa` feat: one \\| two" in lines
    assert (
        "`ameide test` **passed** on `ffffffffff` with a clean tree: 32 affected targets, "
        "3 tasks (1 ran, 2 replayed from the cache), 1 check, 11 test cases, 1m17s "
        "(run `20260101T000000Z-abcdef`)."
    ) in lines
    # the graph, within 50 nodes: the 32 changed targets (their 32 files would not fit)
    graph = lines[lines.index("```mermaid") + 1 : lines.index("```")]
    assert graph[0] == "flowchart LR"
    assert sum(1 for ln in graph if ln.startswith("    n")) == 32
    assert not any(ln.startswith("  c0") for ln in graph)
    assert "<details><summary>Affected targets (32) and why</summary>" in lines
    assert "| 0 contract | passed | 1.2s | 1 |" in lines
    assert "| 1 unit | passed | 1m15s | 2 |" in lines
    assert "- `go:example.com/m/p0`: go:example.com/m/p0 <- changed p0/a.go" in lines
    assert "- ... and 2 more (see summary.json)" in lines
    assert "Guardrails (code profile): passed, 1 changed file checked." in lines


def test_compose_body_keeps_what_people_wrote() -> None:
    gen = "<!-- ameide:begin (x) -->\nNEW\n<!-- ameide:end -->"
    old = "Intro.\n\n<!-- ameide:begin (y) -->\nOLD\n<!-- ameide:end -->\n\nOutro."
    assert compose_body(old, None, gen) == "Intro.\n\n" + gen + "\n\nOutro."
    assert compose_body("Just words.", None, gen) == "Just words.\n\n" + gen + "\n"
    assert compose_body(old, "From a file.\n", gen) == "From a file.\n\n" + gen + "\n"
    assert compose_body(None, None, gen) == gen + "\n"


def test_default_title() -> None:
    one = [Commit("a", "feat: add x", "")]
    two = [*one, Commit("b", "fix y", "")]
    assert default_title(one, "codex/add-x", "codex/") == "feat: add x"
    assert default_title(two, "codex/add-x_and-y", "codex/") == "Add x and y"
    assert default_title(two, "feature/x", "codex/") == "Feature x"
