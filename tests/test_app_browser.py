"""End to end in a real browser: the live app starts with the project's own command, loads in
headless Chromium, a trainer moves the beds slider, presses Run, and the numbers update.

Chromium is Debian's (/usr/bin/chromium), installed with apt-get when missing and this runs
as root; otherwise the test is skipped, saying why. Takes about 30-60 s.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import pathsim
from browser import ensure_chromium, open_browser, running_app
from pathsim.show import app_model

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
METRIC = '[data-testid="stMetricValue"]'


@pytest.mark.parametrize("lever", list(app_model.LEVERS))
def test_a_lever_switched_on_in_the_app_is_the_lever_file(lever: str) -> None:
    """Switching a lever on from the fragmented base gives the scenario its file in levers/
    describes, so the app runs what 'pathsim compare' would."""
    base = pathsim.load_scenario(SCENARIOS / "fragmented.yaml")
    switches = {name: name == lever for name in app_model.LEVERS}
    changed = pathsim.with_overrides(base, app_model.overrides(base, SCENARIOS, {}, switches))
    from_file = pathsim.load_scenario(SCENARIOS / "levers" / f"{lever}.yaml")
    assert changed.integration == from_file.integration
    assert changed.acute_ward == base.acute_ward


def test_sliders_left_alone_change_nothing_and_moved_ones_change_one_field() -> None:
    base = pathsim.load_scenario(SCENARIOS / "teaching" / "home_care_cut.yaml")
    caps = app_model.capacities(base)
    untouched = {c.key: c.value for c in caps}
    assert app_model.overrides(base, SCENARIOS, untouched, app_model.levers_on(base)) == {}
    for cap in caps:
        assert cap.low <= cap.value <= cap.high
    moved = {**untouched, "home_care": 2500}
    changes = app_model.overrides(base, SCENARIOS, moved, app_model.levers_on(base))
    assert changes == {"onward_services.home_care.capacity": 2500}
    assert pathsim.with_overrides(base, changes).onward_services["home_care"].capacity == 2500


def test_the_app_table_names_the_scenarios_own_home_care_service() -> None:
    base = pathsim.load_scenario(SCENARIOS / "fragmented.yaml")
    kpis = list(app_model.headline(base))
    assert kpis[:7] == [
        "ed_4h_performance",
        "ed_12h_trolley_waits",
        "bed_occupancy",
        "delayed_discharge_bed_days",
        "nctr_per_100_beds",
        "emergency_admissions",
        "mean_referral_to_start_days_home_care",
    ]
    assert app_model.headline(base)[kpis[6]] == "Days from referral to home care"
    services = {
        ("domiciliary" if name == "home_care" else name): service
        for name, service in base.onward_services.items()
    }
    renamed = base.model_copy(update={"onward_services": services})
    assert "mean_referral_to_start_days_domiciliary" in app_model.headline(renamed)
    assert "mean_referral_to_start_days_home_care" not in app_model.headline(renamed)


def test_app_command_without_teaching_scenarios_exits_2(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pathsim.cli.live import app

    result = CliRunner().invoke(app, ["--scenarios", str(tmp_path)])
    assert result.exit_code == 2
    assert "teaching" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def chromium() -> Path:
    pytest.importorskip("streamlit")
    pytest.importorskip("playwright.sync_api")
    path, reason = ensure_chromium()
    if path is None:
        pytest.skip(f"no browser: {reason}")
    return path


@pytest.fixture(scope="module")
def page(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright import sync_api

    work = tmp_path_factory.mktemp("app")
    ensemble = _ensemble(work)
    with (
        running_app(SCENARIOS, work / "app.log", extra=["--ensemble", str(ensemble)]) as url,
        sync_api.sync_playwright() as pw,
    ):
        context: Any = open_browser(pw, chromium, work / "profile")
        try:
            tab = context.new_page()
            tab.goto(url)
            yield tab
        finally:
            context.close()


def _ensemble(work: Path) -> Path:
    """A comparison across a small calibrated ensemble (the ranged reference hospital, 4
    settings kept, 6 more cubicles in the other scenario) for the app to show."""
    from click.testing import CliRunner

    from builders import ranged_hospital
    from pathsim.cli import main

    sc = ranged_hospital(work)
    more = work / "more_cubicles.yaml"
    more.write_text(
        "extends: hospital.yaml\nname: more cubicles\ned: {cubicles: 40}\n"
        "uncertainty: {ed.cubicles: null}\n"
    )
    targets = work / "targets.yaml"
    targets.write_text(
        "name: loose\ntargets:\n  bed_occupancy: {value: 0.5, low: 0.0, high: 1.5, source: s}\n"
    )
    short = ["-d", "15", "-w", "3", "-j", "1"]
    cal, out = work / "calib", work / "ensemble"
    calibrate = ["calibrate", str(sc), "--targets", str(targets), "--out", str(cal)]
    for args in (
        [*calibrate, "--settings", "4", "--waves", "1", "-r", "2", *short],
        ["compare", str(sc), str(more), "--ensemble", str(cal), "--out", str(out), *short],
    ):
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return out


IDLE = (
    "document.querySelector('[data-testid=\"stApp\"]')"
    "?.getAttribute('data-test-script-state') === 'notRunning'"
)


def wait_until_idle(tab: Any) -> None:
    """Until streamlit's script has finished its run (the app root says so), three times 0.5 s
    apart so that a re-run requested at the end of a run is seen. If a streamlit upgrade drops
    the attribute, this times out (the test fails) rather than passing at once."""
    for _ in range(2):
        tab.wait_for_function(IDLE, timeout=120_000)
        tab.wait_for_timeout(500)
    tab.wait_for_function(IDLE, timeout=120_000)


def metrics(tab: Any) -> dict[str, str]:
    labels = tab.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    values = tab.locator(METRIC).all_inner_texts()
    return dict(zip([label.strip() for label in labels], values, strict=True))


def percent(text: str) -> float:
    match = re.fullmatch(r"\s*(-?[\d.]+)%\s*", text)
    assert match, text
    return float(match.group(1))


@pytest.mark.browser
def test_moving_the_beds_slider_and_running_updates_the_numbers(page: Any) -> None:
    tab = page
    # The first run happens on load: the default teaching scenario against the base.
    tab.wait_for_selector(METRIC, timeout=120_000)
    tab.get_by_text("Took", exact=False).first.wait_for(timeout=120_000)
    wait_until_idle(tab)
    before = metrics(tab)
    assert set(before) >= {"Bed occupancy", "A&E within 4 hours"}
    table_before = tab.locator('[data-testid="stTable"]').first.inner_text()

    slider = tab.locator('[data-testid="stSlider"]').filter(has_text="Hospital beds")
    thumb = slider.locator('input[type="range"]')
    start_beds = int(thumb.input_value())
    thumb.focus()
    thumb.press("End")  # the slider's maximum: 1.5 times the scenario's beds
    deadline = time.monotonic() + 20
    while int(thumb.input_value()) == start_beds:
        assert time.monotonic() < deadline, "the slider did not move"
        tab.wait_for_timeout(200)
    new_beds = int(thumb.input_value())
    assert new_beds > start_beds
    # Streamlit reruns on the change and marks the shown result as out of date.
    tab.get_by_text("press Run", exact=False).first.wait_for(timeout=30_000)

    started = time.monotonic()
    tab.get_by_role("button", name="Run").click()
    change = f"Hospital beds: {start_beds:,} → {new_beds:,}"
    tab.get_by_text(change, exact=False).first.wait_for(timeout=90_000)
    # Streamlit shows the old numbers (greyed) until the run that replaces them has finished.
    wait_until_idle(tab)
    seconds = time.monotonic() - started
    after = metrics(tab)
    table_after = tab.locator('[data-testid="stTable"]').first.inner_text()

    assert after != before
    assert table_after != table_before
    # Half as many beds again cannot leave them as full: occupancy falls.
    assert percent(after["Bed occupancy"]) < percent(before["Bed occupancy"]) - 5
    # "In seconds": the cached baseline plus one changed run.
    assert seconds < 60


@pytest.mark.browser
def test_the_animation_of_one_day_appears_in_the_page(page: Any) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    tab = page
    tab.wait_for_selector(METRIC, timeout=120_000)
    charts_before = tab.locator(".js-plotly-plot").count()
    # The page may still be re-running after the test before: streamlit re-draws the expander
    # and its button while it runs, so a click can land on a detached element, and a re-drawn
    # expander can be closed again. Open it and click only when the script is idle, and retry.
    heading = tab.get_by_text("Watch it: one day of your settings")
    button = tab.get_by_role("button", name="Animate one day")
    deadline = time.monotonic() + 180
    while True:
        wait_until_idle(tab)
        try:
            if not button.is_visible():
                heading.click(timeout=10_000)
            button.click(timeout=10_000)
            break
        except PlaywrightTimeout:
            assert time.monotonic() < deadline, "the animation button never became clickable"
    tab.get_by_text("a frame every 30 minutes (49 frames)", exact=False).first.wait_for(
        timeout=120_000
    )
    # The new chart is drawn, then its frames are added: wait for both.
    last_frames = (
        "(() => { const all = document.querySelectorAll('.js-plotly-plot');"
        f" if (all.length <= {charts_before}) return 0;"
        " const td = all[all.length - 1]._transitionData;"
        " return td && td._frames ? td._frames.length : 0; })()"
    )
    tab.wait_for_function(f"{last_frames} > 0", timeout=180_000)
    tab.wait_for_timeout(500)
    frames = tab.evaluate(last_frames)
    assert frames == 49  # one day, a frame every 30 minutes, both ends included


@pytest.mark.browser
def test_the_ensemble_prepared_beforehand_is_shown_with_both_intervals(page: Any) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    tab = page
    tab.wait_for_selector(METRIC, timeout=120_000)
    # the single run's intervals say they are chance only (the base has ranges)
    tab.get_by_text("These intervals cover chance only", exact=False).first.wait_for(timeout=60_000)
    heading = tab.get_by_text("Across what is not known: hospital vs more_cubicles at 4")
    table = tab.locator('[data-testid="stExpander"]').filter(has=heading)
    deadline = time.monotonic() + 120
    while True:
        wait_until_idle(tab)
        try:
            if not table.get_by_text("combined (95%)").first.is_visible():
                heading.click(timeout=10_000)
            table.get_by_text("combined (95%)").first.wait_for(timeout=10_000)
            break
        except PlaywrightTimeout:
            assert time.monotonic() < deadline, "the ensemble section never opened"
    text = table.inner_text()
    assert "A&E within 4 hours" in text and "chance only (95%)" in text
    assert "Only 4 settings" in text
    assert table.locator("img").count() >= 1  # the spread
