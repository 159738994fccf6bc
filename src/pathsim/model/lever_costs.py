"""The implementation costs of the integration levers switched on (each lever's
``implementation_costs``): staff, IT and programme pro rata over the results period, and the
one-off set-up spread over the lever's first year (in full in a run of a year or more; a
run of 90 days carries a quarter of it, so that a short run does not set a year's set-up
against a few months of benefit), each as a cost line of its own (``lever_<name>`` and
``lever_<name>_set_up``) borne by the organisation that pays, so that they add up with every
other cost by service, organisation and payer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pathsim.model.component import Component, Cost, Results
from pathsim.scenario.implementation_costs import ImplementationCosts
from pathsim.scenario.integration import Integration

YEAR = 365.25
"""Days in a year for yearly running costs (as other yearly costs are priced)."""
FIRST_YEAR = 365
"""Days over which a set-up is spread: a run of 365 days or more carries all of it."""


def lever_costs(integration: Integration) -> list[tuple[str, ImplementationCosts]]:
    """The enabled levers that state implementation costs, by name, in the scenario's order."""
    out = []
    for name in type(integration).model_fields:
        lever = getattr(integration, name)
        if lever.enabled and lever.implementation_costs is not None:
            out.append((name, lever.implementation_costs))
    return out


class LeverCosts(Component):
    """Prices the levers' implementation costs; no patient passes through it."""

    name = "lever_costs"

    def __init__(self, levers: Sequence[tuple[str, ImplementationCosts]]) -> None:
        self.levers = tuple(levers)

    def costs(self, kpis: Mapping[str, float], results: Results) -> list[Cost]:
        out = []
        for name, c in self.levers:
            running = c.running_per_year_gbp * results.days / YEAR
            out.append(Cost(f"lever_{name}", c.paid_by, running))
            first_year = min(1.0, results.days / FIRST_YEAR)
            out.append(Cost(f"lever_{name}_set_up", c.paid_by, c.set_up_gbp * first_year))
        return out
