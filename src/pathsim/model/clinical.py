"""Clinical attributes of patients, drawn in batches.

Every clinical attribute of a batch of patients of one segment and route (triage category,
assessment time, admission decision, clinical length of stay, discharge pathway, discharge
timing and the draws that later decide community response, virtual wards, readmission, mental
health need, deterioration and patience in A&E's waiting room) comes from its own named stream,
a batch at a time with numpy.
The batch is handed to patients as one tuple per patient (:data:`CLINICAL` order), which
``Patient`` unpacks in one step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pathsim.model.streams import Streams
from pathsim.scenario.models import Pathway, Scenario, Segment

PATHWAYS = (Pathway.P0, Pathway.P1, Pathway.P2, Pathway.P3)
"""Discharge pathways in the order of a patient's ``pathway`` number (0 = P0 ... 3 = P3)."""
PATHWAY_NUMBER = {pw: i for i, pw in enumerate(PATHWAYS)}
"""A patient's ``pathway`` number for each discharge pathway."""


@dataclass(frozen=True)
class OnwardChoice:
    """How a discharge pathway maps to onward services: cumulative shares and service indices."""

    cumulative: np.ndarray
    services: np.ndarray


def onward_choices(scenario: Scenario, service_index: dict[str, int]) -> dict[int, OnwardChoice]:
    """For each pathway number 1-3 that has services, the table used to pick one."""
    out: dict[int, OnwardChoice] = {}
    for pathway, shares in scenario.discharge_pathway_services.items():
        names = list(shares)
        p = np.array([shares[n] for n in names], dtype=float)
        out[PATHWAYS.index(pathway)] = OnwardChoice(
            cumulative=np.cumsum(p / p.sum()),
            services=np.array([service_index[n] for n in names], dtype=np.int64),
        )
    return out


def _categorical(u: np.ndarray, probabilities: list[float]) -> np.ndarray:
    p = np.asarray(probabilities, dtype=float)
    cum = np.cumsum(p / p.sum())
    return np.minimum(np.searchsorted(cum, u, side="right"), len(p) - 1)


class ClinicalDraws:
    """Draws the clinical attributes of a batch of patients of one segment and route."""

    def __init__(
        self,
        streams: Streams,
        prefix: str,
        segment: Segment,
        choices: dict[int, OnwardChoice],
        admit_all: bool = False,
        admit_probability: float | None = None,
    ) -> None:
        """``admit_all`` is for routes that are admissions by definition (direct admissions):
        the A&E admission draw is then ignored. ``admit_probability`` replaces the segment's
        (first crises, when readmissions are drawn separately)."""
        self.segment = segment
        if admit_probability is None:
            admit_probability = segment.admission_probability
        self.admit_probability = 1.0 if admit_all else admit_probability
        self.choices = choices
        self.rng_acuity = streams[f"{prefix}.acuity"]
        self.rng_assess = streams[f"{prefix}.ed_assessment"]
        self.rng_outcome = streams[f"{prefix}.ed_outcome"]
        self.rng_los = streams[f"{prefix}.length_of_stay"]
        self.rng_pathway = streams[f"{prefix}.discharge_pathway"]
        self.rng_timing = streams[f"{prefix}.discharge_timing"]
        self.rng_route = streams[f"{prefix}.route"]
        self.rng_community = streams[f"{prefix}.community_response"]
        self.rng_proactive = streams[f"{prefix}.proactive_care"]
        self.rng_virtual_ward = streams[f"{prefix}.virtual_ward"]
        self.rng_readmission = streams[f"{prefix}.readmission"]
        self.rng_needs = streams[f"{prefix}.needs"]
        self.rng_deterioration = streams[f"{prefix}.deterioration"]
        self.rng_patience = streams[f"{prefix}.patience"]
        self.ambulance_share = 0.0 if admit_all else segment.ambulance_share
        shares = segment.discharge_pathway_share
        self.pathway_p = [shares.get(pw, 0.0) for pw in PATHWAYS]

    def draw(self, n: int, in_progress: bool = False) -> dict[str, list[float] | list[int]]:
        """Attributes of ``n`` patients. With ``in_progress`` the patients are already in a
        bed when the run starts: ``los`` is then the time still to run and ``elapsed`` the
        time already spent, from the equilibrium (length-biased) split of a stay."""
        seg = self.segment
        acuity = _categorical(self.rng_acuity.random(n), seg.acuity_share) + 1
        assess = seg.ed_assessment_hours.sample(self.rng_assess, n) / 24.0
        outcome = self.rng_outcome.random((n, 2))
        elapsed = np.zeros(n)
        if in_progress:
            whole = seg.length_of_stay_days.sample_length_biased(self.rng_los, n)
            u = self.rng_los.random(n)
            los = u * whole
            elapsed = whole - los
        else:
            los = seg.length_of_stay_days.sample(self.rng_los, n)
        pu = self.rng_pathway.random((n, 2))
        pathway = _categorical(pu[:, 0], self.pathway_p)
        onward = np.full(n, -1, dtype=np.int64)
        for pw, choice in self.choices.items():
            mask = pathway == pw
            if mask.any():
                k = np.minimum(
                    np.searchsorted(choice.cumulative, pu[mask, 1], side="right"),
                    len(choice.services) - 1,
                )
                onward[mask] = choice.services[k]
        timing = self.rng_timing.random((n, 2))
        ambulance = self.rng_route.random(n) < self.ambulance_share
        community = self.rng_community.random((n, 3))
        vw = self.rng_virtual_ward.random((n, 3))
        readmit = self.rng_readmission.random((n, 2))
        mental = self.rng_needs.random(n) < seg.mental_health_share
        deteriorate = self.rng_deterioration.exponential(1.0, n)
        patience = self.rng_patience.exponential(1.0, n)
        return {
            "ambulance": ambulance.tolist(),
            "suitable": (community[:, 0] < seg.community_response_share).tolist(),
            "jet_u": community[:, 1].tolist(),
            "pkg_u": community[:, 2].tolist(),
            "prevent_u": self.rng_proactive.random(n).tolist(),
            "vw_u": vw[:, 0].tolist(),
            "vw_esc_u": vw[:, 1].tolist(),
            "vw_t_u": vw[:, 2].tolist(),
            "readmit_u": readmit[:, 0].tolist(),
            "readmit_t": readmit[:, 1].tolist(),
            "mental_health": mental.tolist(),
            "deteriorate_t": deteriorate.tolist(),
            "patience_e": patience.tolist(),
            "acuity": acuity.tolist(),
            "assess": assess.tolist(),
            "admit": (outcome[:, 0] < self.admit_probability).tolist(),
            "same_day": (outcome[:, 1] < seg.same_day_probability).tolist(),
            "los": los.tolist(),
            "pathway": pathway.tolist(),
            "onward": onward.tolist(),
            "dis_u_day": timing[:, 0].tolist(),
            "dis_u_hour": timing[:, 1].tolist(),
            "elapsed": elapsed.tolist(),
        }


CLINICAL = (
    "acuity",
    "assess",
    "admit",
    "same_day",
    "los",
    "pathway",
    "onward",
    "dis_u_day",
    "dis_u_hour",
    "ambulance",
    "suitable",
    "jet_u",
    "pkg_u",
    "prevent_u",
    "vw_u",
    "vw_esc_u",
    "vw_t_u",
    "readmit_u",
    "readmit_t",
    "mental_health",
    "deteriorate_t",
    "patience_e",
)
"""The clinical attributes of a patient, in the order of :func:`clinical_rows`."""

ClinicalRow = tuple[
    int,
    float,
    bool,
    bool,
    float,
    int,
    int,
    float,
    float,
    bool,
    bool,
    float,
    float,
    float,
    float,
    float,
    float,
    float,
    float,
    bool,
    float,
    float,
]


def clinical_rows(draws: dict[str, list[float] | list[int]]) -> list[ClinicalRow]:
    """The draws as one tuple per patient, in :data:`CLINICAL` order."""
    return list(zip(*(draws[k] for k in CLINICAL), strict=True))


DEFAULT_ROW: ClinicalRow = (
    3,
    0.0,
    False,
    False,
    0.0,
    0,
    -1,
    0.0,
    0.0,
    False,
    False,
    0.0,
    0.0,
    1.0,
    1.0,
    1.0,
    0.0,
    1.0,
    0.0,
    False,
    0.0,
    math.inf,
)
"""The clinical attributes of someone with none drawn (people referred from the community,
people in onward care at the start), in :data:`CLINICAL` order."""
