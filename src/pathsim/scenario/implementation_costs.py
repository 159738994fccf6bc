"""What an integration lever costs to put in and run, beyond the care it delivers: who pays,
a one-off set-up, and yearly running costs (staff or a sum a year). Priced by
:mod:`pathsim.model.lever_costs`."""

from __future__ import annotations

from pydantic import Field, model_validator

from pathsim.scenario.models_base import Name, NonNegative, Strict


class RunningCost(Strict):
    """One yearly running cost of a lever: staff (whole-time equivalents at a cost each) or a
    sum a year (IT, programme)."""

    item: str = Field(description="What it is (e.g. 'trusted assessors, band 6')")
    wte: NonNegative | None = Field(default=None, description="Whole-time equivalents")
    cost_per_wte_per_year_gbp: NonNegative | None = Field(
        default=None,
        description="Employer's cost of one whole-time equivalent for a year (pay, on-costs)",
    )
    per_year_gbp: NonNegative | None = Field(
        default=None, description="A cost a year that is not staff (licences, hosting, programme)"
    )

    @model_validator(mode="after")
    def _one_form(self) -> RunningCost:
        staff = self.wte is not None or self.cost_per_wte_per_year_gbp is not None
        if staff and (self.wte is None or self.cost_per_wte_per_year_gbp is None):
            raise ValueError("staff need both wte and cost_per_wte_per_year_gbp")
        if staff == (self.per_year_gbp is not None):
            raise ValueError(
                "give either wte with cost_per_wte_per_year_gbp (staff) or per_year_gbp"
            )
        return self

    @property
    def gbp_per_year(self) -> float:
        if self.per_year_gbp is not None:
            return self.per_year_gbp
        return float(self.wte or 0.0) * float(self.cost_per_wte_per_year_gbp or 0.0)


class ImplementationCosts(Strict):
    """What a lever costs to put in and to run, beyond the care it delivers (which its
    service prices: a team contact, a virtual ward day): who pays, a one-off set-up, and the
    yearly running costs (staff, IT, programme). Priced over the results period: the running
    costs pro rata, the set-up spread over the lever's first year (in full in a run of a
    year or more)."""

    paid_by: Name = Field(description="Organisation that pays (one of organisations)")
    set_up_gbp: NonNegative = Field(
        default=0.0, description="One-off cost of putting the lever in (IT, training, design)"
    )
    running: list[RunningCost] = Field(
        default_factory=list, description="Yearly running costs: staff, IT, programme"
    )

    @property
    def running_per_year_gbp(self) -> float:
        """Every running cost for a year."""
        return sum(r.gbp_per_year for r in self.running)
