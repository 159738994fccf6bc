"""The live app's section on a run across a calibrated ensemble (``pathsim app --ensemble
DIR``): what the live runs cannot show in seconds, the same comparison across every setting
that reproduces the published figures, prepared beforehand with ``pathsim compare
--ensemble``."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pathsim.show import app_model as m
from pathsim.show.ensemble_report import FEW_SETTINGS, EnsembleFolder


def ensemble_folder(argv: list[str]) -> Path | None:
    """The folder given after ``--ensemble`` on the command line, if any."""
    if "--ensemble" in argv[:-1]:
        return Path(argv[argv.index("--ensemble") + 1])
    return None


def ensemble_section(path: Path) -> None:
    """An expander with the prepared run's differences (both intervals and the share of
    settings) and the spread of the settings."""
    folder = EnsembleFolder.open(path)
    meta, labels = folder.meta, folder.labels
    settings = int(meta.get("settings", 0))
    with st.expander(
        f"Across what is not known: {' vs '.join(labels)} at {settings} plausible settings",
        expanded=False,
    ):
        st.markdown(
            f"Prepared with `pathsim compare --ensemble` ({folder.path}): each of the "
            f"{settings} settings of the uncertain numbers that reproduce "
            f"{meta.get('targets_name', 'the targets')} was run for "
            f"{meta.get('replications')} replications of {meta.get('days')} days, the same "
            "patients everywhere. **Chance only** is what a single run (like the one above) "
            "reports; **combined** adds what is not known about the system. The last column "
            "is the share of settings in which the change helps."
        )
        if settings < FEW_SETTINGS:
            st.warning(
                f"Only {settings} settings: the ends of the combined intervals rest on a "
                "handful of plausible systems. Indicative, not for quoting."
            )
        st.table(m.ensemble_table(folder.table("ensemble_comparison"), labels).set_index("KPI"))
        st.pyplot(folder.spread(), clear_figure=True)
