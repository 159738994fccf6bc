"""The live app's animation section: one day of the last run's settings, patient by patient
(vidigi, through :mod:`pathsim.show.animate`). Kept per session in ``st.session_state``."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import streamlit as st

import pathsim


def animation_section(result: dict[str, Any]) -> None:
    """An expander with a button that animates one day of the settings just run (the day
    after the warm-up, replication 0)."""
    with st.expander("Watch it: one day of your settings, patient by patient"):
        if importlib.util.find_spec("vidigi") is None:
            st.info("The animation needs vidigi: pip install 'carepathsim[animate]'.")
            return
        warmup = result["settings"].warmup_days
        st.caption(
            f"Replication 0 of your settings, day {warmup} to {warmup + 1} of the run (the day "
            "after the warm-up). Press play or drag the time slider. Takes 5-10 seconds."
        )
        key = json.dumps([result["path"], result["changes"], warmup], sort_keys=True)
        if st.button("Animate one day", key="animate"):
            with st.spinner("Simulating with the event log on and drawing..."):
                st.session_state["animation"] = (key, *_animate(result, warmup))
        stored = st.session_state.get("animation")
        if stored is not None and stored[0] == key:
            st.caption(stored[2])
            st.download_button(
                "Download it as an HTML file (opens full screen, offline)",
                stored[3],
                file_name="pathsim_animation.html",
                mime="text/html",
                key="animation_download",
            )
            st.plotly_chart(stored[1], width="stretch", key="animation_chart")


def _animate(result: dict[str, Any], warmup: int) -> tuple[Any, str, str]:
    """The figure (compact, for the page's width), its note, and the full-size animation as
    a self-contained HTML page."""
    from pathsim.show.animate import animate_scenario

    scenario = pathsim.load_scenario(Path(result["path"]))
    if result["changes"]:
        scenario = pathsim.with_overrides(scenario, result["changes"])
    options: dict[str, Any] = {"replication": 0, "start_day": warmup, "days": 1}
    full = animate_scenario(scenario, max_per_step=30, **options)
    html = full.figure.to_html(include_plotlyjs=True, full_html=True, auto_play=False)
    small = animate_scenario(scenario, max_per_step=18, compact=True, **options)
    return small.figure, small.note(), html
