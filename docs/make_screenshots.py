"""Makes the screenshots in docs/screenshots/ for the trainer's guide (docs/teaching.md) with
the project's own commands: ``pathsim app`` driven in headless Chromium, and ``pathsim animate``
opened in it.

    .venv/bin/python docs/make_screenshots.py

Needs Debian's Chromium (/usr/bin/chromium; installed with apt-get when missing and run as
root) and, for the animation's emoji, a colour emoji font (Debian: fonts-noto-color-emoji).
Takes about a minute.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the browser tooling the end-to-end test uses

from browser import ensure_chromium, open_browser, running_app  # noqa: E402

SCENARIOS = ROOT / "scenarios"
OUT = ROOT / "docs" / "screenshots"
METRIC = '[data-testid="stMetricValue"]'


def save(tab: Any, name: str, full_page: bool = False) -> None:
    """A screenshot written atomically (temporary file, then renamed)."""
    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / name
    tmp = target.with_suffix(".tmp.png")
    tab.screenshot(path=str(tmp), full_page=full_page)
    os.replace(tmp, target)
    print(f"wrote {target.relative_to(ROOT)}")


def wait_for_run(tab: Any, text: str) -> None:
    tab.get_by_text(text, exact=False).first.wait_for(timeout=120_000)
    tab.wait_for_timeout(1500)  # let the plots draw


def app_screenshots(chromium: Path, work: Path) -> None:
    with running_app(SCENARIOS, work / "app.log") as url, sync_playwright() as pw:
        context: Any = open_browser(pw, chromium, work / "profile", 1400, 1000)
        tab = context.new_page()
        tab.goto(url)
        tab.wait_for_selector(METRIC, timeout=120_000)
        wait_for_run(tab, "took")
        save(tab, "app_start.png")

        # Home care cut against today's system, then two levers switched on.
        tab.locator('[data-testid="stSelectbox"]').first.click()
        tab.get_by_role("option", name="Teaching: home care cut").click()
        tab.get_by_role("button", name="Run").click()
        wait_for_run(tab, "Home care cut by 20%; no slider")
        save(tab, "app_home_care_cut.png")

        tab.get_by_text("Discharge to assess, trusted assessors").click()
        tab.get_by_text("Pooled health and social care budget").click()
        tab.get_by_role("button", name="Run").click()
        wait_for_run(tab, "Pooled health and social care budget: switched on")
        save(tab, "app_levers_on.png", full_page=True)

        tab.get_by_text("Watch it: one day of your settings").click()
        tab.get_by_role("button", name="Animate one day").click()
        tab.get_by_text("a frame every 30 minutes", exact=False).first.wait_for(timeout=120_000)
        chart = tab.locator(".js-plotly-plot").last
        chart.wait_for(timeout=60_000)
        tab.wait_for_timeout(1500)
        chart.scroll_into_view_if_needed()
        tab.wait_for_timeout(500)
        save(tab, "app_animation.png")
        context.close()


def animation_screenshot(chromium: Path, work: Path) -> None:
    html = work / "animation.html"
    command = [sys.executable, "-m", "pathsim", "animate"]
    command += [str(SCENARIOS / "teaching" / "home_care_cut.yaml")]
    command += ["--start-day", "16", "--days", "2", "--out", str(html)]
    subprocess.run(command, check=True)
    with sync_playwright() as pw:
        context: Any = open_browser(pw, chromium, work / "profile-anim", 1400, 950)
        tab = context.new_page()
        tab.goto(html.as_uri())
        tab.wait_for_selector(".js-plotly-plot", timeout=60_000)
        # Jump to Tuesday 18 April, 18:00 (patients boarding in A&E), without playing.
        tab.evaluate(
            """() => {
              const gd = document.querySelector('.js-plotly-plot');
              const frames = gd._transitionData._frames;
              const pick = frames[Math.floor(frames.length * 0.875)];
              return Plotly.animate(gd, [pick.name],
                {mode: 'immediate', frame: {duration: 0}, transition: {duration: 0}});
            }"""
        )
        tab.wait_for_timeout(1500)
        save(tab, "animation.png")
        context.close()


def main() -> None:
    chromium, reason = ensure_chromium()
    if chromium is None:
        sys.exit(f"no browser: {reason}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        app_screenshots(chromium, work)
        animation_screenshot(chromium, work)


if __name__ == "__main__":
    main()
