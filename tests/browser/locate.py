"""Where the browser tests find a Chromium: Playwright's own download if it is there, else a
chromium (or Chrome) on PATH, else Debian's `chromium` package, which
`python -m tests.browser.locate --install` (run by `make test`) installs when it may: as root,
with apt. When none is found the browser tests fail under CI and skip, loudly, elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Error, sync_playwright

ON_PATH = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def playwright_chromium() -> str | None:
    """Playwright's own Chromium (`playwright install chromium`), if downloaded."""
    try:
        with sync_playwright() as p:
            path = p.chromium.executable_path
    except Error:
        return None
    return path if Path(path).is_file() else None


def find() -> str | None:
    """The Chromium the browser tests use, or None."""
    return playwright_chromium() or next(filter(None, map(shutil.which, ON_PATH)), None)


def install() -> str | None:
    """Install Debian's chromium when this is root on a machine with apt; then `find()`."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print("browser tests: installing Debian's chromium (apt-get)", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, check=False)
    return find()


def main() -> None:
    found = find() or ("--install" in sys.argv and install()) or None
    if found:
        print(f"browser tests: {found}", file=sys.stderr)
    else:
        print(
            "browser tests: NO CHROMIUM FOUND (no Playwright download, none on PATH, and apt "
            "was not usable): they will fail under CI=true and be skipped elsewhere. "
            "Install one with `apt-get install chromium` or `playwright install chromium`.",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
