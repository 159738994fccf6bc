"""Test tooling, not product: driving the live app from a program. Start it with the
project's own command on a free port, wait until it answers, and find (or install) a headless
Chromium to load it in.

Used by the end-to-end test (tests/test_app_browser.py) and by the script that makes the
trainer's guide's screenshots (docs/make_screenshots.py, which puts tests/ on its path).
Playwright drives Debian's own Chromium (``/usr/bin/chromium``): playwright's downloaded
browsers are never used.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def ensure_chromium() -> tuple[Path | None, str]:
    """Chromium's path, installing Debian's package first when it is missing and this
    process may (root, with apt-get). Returns (None, reason) when no browser can be had."""
    if CHROMIUM.exists():
        return CHROMIUM, "found"
    apt = shutil.which("apt-get")
    if apt is None:
        return None, f"{CHROMIUM} is missing and apt-get is not available to install it"
    if os.geteuid() != 0:
        return None, f"{CHROMIUM} is missing and installing it needs root (apt-get)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(
        [apt, "install", "-y", "chromium"], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        subprocess.run([apt, "update"], env=env, capture_output=True, check=False)
        done = subprocess.run(
            [apt, "install", "-y", "chromium"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0 or not CHROMIUM.exists():
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return None, f"apt-get install -y chromium failed: {tail[0]}"
    return CHROMIUM, "installed with apt-get"


def free_port() -> int:
    """A TCP port free on localhost now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def app_command(port: int, scenario_dir: Path, extra: Sequence[str] = ()) -> list[str]:
    """``pathsim app`` on ``port`` (this computer only), on the scenarios in ``scenario_dir``,
    with ``extra`` options."""
    front = [sys.executable, "-m", "pathsim", "app"]
    where = ["--port", str(port), "--host", "127.0.0.1", "--scenarios", str(scenario_dir)]
    return [*front, *where, *extra]


def wait_until_up(url: str, timeout_s: float, process: subprocess.Popen[bytes]) -> None:
    """Polls Streamlit's health endpoint until it answers 'ok'."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with code {process.returncode} before answering")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"the app did not answer at {url} within {timeout_s:.0f} s")


@contextmanager
def running_app(
    scenario_dir: Path, log: Path, timeout_s: float = 60, extra: Sequence[str] = ()
) -> Iterator[str]:
    """Starts the app on a free port (with ``extra`` options), yields its URL once it
    answers, stops it after (its own process group, by id)."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            app_command(port, scenario_dir, extra),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url, timeout_s, process)
            yield url
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def open_browser(
    playwright: object, chromium: Path, user_data_dir: Path, width: int = 1400, height: int = 1000
) -> object:
    """A fresh headless Chromium context (its own user data dir) from playwright's
    ``sync_playwright()`` object, on Debian's browser."""
    context = playwright.chromium.launch_persistent_context(  # type: ignore[attr-defined]
        str(user_data_dir),
        executable_path=str(chromium),
        args=list(CHROMIUM_ARGS),
        headless=True,
        viewport={"width": width, "height": height},
    )
    return context
