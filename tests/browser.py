"""A real headless browser for tests that look at a page as a person would: Debian's
`chromium`, driven directly (browser downloads are not possible here), offline.

`scripts/setup` installs it where it can (`apt-get install chromium` as root); elsewhere the
tests that need it are skipped with the reason below. Screenshots are kept under the test's
tmp dir and copied to artifacts/test-evidence/ in this checkout (docs/test.md).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NO_CHROMIUM = (
    "chromium is not installed: scripts/setup installs Debian's chromium package where it "
    "runs as root with apt-get (apt-get install -y chromium)"
)
EVIDENCE = ROOT / "artifacts" / "test-evidence"


def chromium(
    url: str, tmp: Path, *, screenshot: Path | None = None, size: str = "1280,1600"
) -> str:
    """Load `url` and return the DOM after its scripts ran (and write a screenshot)."""
    assert CHROMIUM is not None
    base = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",  # root in a container: no user namespace sandbox
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # offline: no name resolves
        f"--user-data-dir={tmp / 'chromium-profile'}",
        f"--window-size={size}",
        "--virtual-time-budget=5000",  # let the page's scripts settle
    ]
    if screenshot is not None:
        r = subprocess.run(
            [*base, f"--screenshot={screenshot}", url],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert r.returncode == 0 and screenshot.is_file(), r.stderr[-2000:]
        EVIDENCE.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(screenshot, EVIDENCE / screenshot.name)
    r = subprocess.run(
        [*base, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=False
    )
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) of a PNG, from its header."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def probe(page: Path, script: str, tmp: Path, **kw: object) -> dict[str, object]:
    """Load a copy of `page` with `script` appended, which sets `window.probe` to what it
    measured (computed styles, layout boxes, innerText: what a person sees); return that."""
    import html
    import json
    import re

    copy = tmp / f"probe-{page.name}"
    copy.write_text(
        page.read_text()
        + "<script>(function(){"
        + script
        + "\ndocument.body.setAttribute('data-probe', JSON.stringify(window.probe));})();"
        + "</script>\n"
    )
    dom = chromium(copy.as_uri(), tmp, **kw)  # type: ignore[arg-type]
    m = re.search(r'data-probe="([^"]*)"', dom)
    assert m, dom[-3000:]
    out: dict[str, object] = json.loads(html.unescape(m.group(1)))
    return out
