"""Go build constraints, evaluated the way `go list` does for linux/amd64 with cgo.

`//go:build` expressions (or, without one, `// +build` lines) and `_GOOS`/`_GOARCH` file-name
suffixes decide whether a file is part of its package's build. ameide plans for the platform
`go list` reports on by default here (linux/amd64, cgo on, every `go1.N` release tag) and,
as a second view, with the `integration` tag on, which phase 2 builds. Names follow
go/build's `syslist.go` and `Context.goodOSArchFile`.
"""

from __future__ import annotations

import re

KNOWN_OS = frozenset(
    (
        "aix",
        "android",
        "darwin",
        "dragonfly",
        "freebsd",
        "hurd",
        "illumos",
        "ios",
        "js",
        "linux",
        "nacl",
        "netbsd",
        "openbsd",
        "plan9",
        "solaris",
        "wasip1",
        "windows",
        "zos",
    )
)
KNOWN_ARCH = frozenset(
    (
        "386",
        "amd64",
        "amd64p32",
        "arm",
        "armbe",
        "arm64",
        "arm64be",
        "loong64",
        "mips",
        "mipsle",
        "mips64",
        "mips64le",
        "mips64p32",
        "mips64p32le",
        "ppc",
        "ppc64",
        "ppc64le",
        "riscv",
        "riscv64",
        "s390",
        "s390x",
        "sparc",
        "sparc64",
        "wasm",
    )
)
GOOS, GOARCH = "linux", "amd64"
_ON = frozenset({GOOS, GOARCH, "unix", "gc", "cgo"})
INTEGRATION = frozenset({"integration"})
_TOKENS = re.compile(r"\|\||&&|[()!]|[A-Za-z0-9_.]+|\S")


def tag_on(tag: str, extra: frozenset[str] = frozenset()) -> bool:
    """Is a build tag satisfied? Every `go1.N` release tag is: planning does not know the
    toolchain, and a file needing a newer Go than the one that builds it is rare."""
    if tag in _ON or tag in extra:
        return True
    return tag.startswith("go1.") and tag[4:].isdigit()


def file_name_ok(name: str) -> bool:
    """go/build's goodOSArchFile: `x_windows.go`, `x_arm64_test.go`, `x_linux_amd64.s`."""
    stem = name.split(".", 1)[0]
    i = stem.find("_")
    if i < 0:
        return True
    parts = stem[i:].split("_")
    if parts and parts[-1] == "test":
        parts = parts[:-1]
    n = len(parts)
    if n >= 2 and parts[n - 2] in KNOWN_OS and parts[n - 1] in KNOWN_ARCH:
        return parts[n - 2] == GOOS and parts[n - 1] == GOARCH
    if n >= 1 and (parts[-1] in KNOWN_OS or parts[-1] in KNOWN_ARCH):
        return parts[-1] in (GOOS, GOARCH)
    return True


class _Expr:
    """A `//go:build` expression: `||`, `&&`, `!`, parentheses, tags."""

    def __init__(self, text: str, extra: frozenset[str]) -> None:
        self.toks: list[str] = _TOKENS.findall(text)
        self.pos = 0
        self.extra = extra

    def peek(self) -> str | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> str:
        if self.pos >= len(self.toks):
            raise ValueError("unexpected end of expression")
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def or_(self) -> bool:
        value = self.and_()
        while self.peek() == "||":
            self.take()
            right = self.and_()  # always parsed: no short circuit over tokens
            value = value or right
        return value

    def and_(self) -> bool:
        value = self.not_()
        while self.peek() == "&&":
            self.take()
            right = self.not_()
            value = value and right
        return value

    def not_(self) -> bool:
        if self.peek() == "!":
            self.take()
            return not self.not_()
        return self.atom()

    def atom(self) -> bool:
        tok = self.take()
        if tok == "(":
            value = self.or_()
            if self.take() != ")":
                raise ValueError("missing )")
            return value
        if not re.fullmatch(r"[A-Za-z0-9_.]+", tok):
            raise ValueError(f"unexpected {tok!r}")
        return tag_on(tok, self.extra)


def go_build_ok(expr: str, extra: frozenset[str] = frozenset()) -> bool:
    """Evaluate a `//go:build` expression; an invalid one excludes the file (go/build
    reports the file as invalid and leaves it out of the build)."""
    p = _Expr(expr, extra)
    try:
        value = p.or_()
    except ValueError:
        return False
    return value if p.peek() is None else False


def plus_build_ok(lines: list[str], extra: frozenset[str] = frozenset()) -> bool:
    """Old-style `// +build` lines: space-separated options OR'ed, comma-separated terms
    AND'ed, `!` negates; several lines are AND'ed."""
    for line in lines:
        line_ok = False
        for option in line.split():
            terms = option.split(",")
            ok = True
            for term in terms:
                neg = term.startswith("!")
                name = term[1:] if neg else term
                if not name or name.startswith("!"):
                    ok = False
                    break
                if tag_on(name, extra) == neg:
                    ok = False
            line_ok = line_ok or ok
        if not line_ok:
            return False
    return True


def builds(
    name: str, go_build: str | None, plus: list[str], extra: frozenset[str] = frozenset()
) -> bool:
    """Is the file named `name` with these constraint lines part of the build?"""
    if not file_name_ok(name):
        return False
    if go_build is not None:
        return go_build_ok(go_build, extra)
    return plus_build_ok(plus, extra)
