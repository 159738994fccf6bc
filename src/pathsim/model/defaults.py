"""Defaults that name the model's services, for the layers above, which name none.

The experiment layer judges a warm-up on some of the daily series and varies some
capacities in a sensitivity analysis; which ones depends on the services of the scenario,
which only the model knows. Each function takes a validated scenario.
"""

from __future__ import annotations

from pathsim.model.service import Service
from pathsim.model.system import System
from pathsim.scenario.models import Scenario

_MAIN_SERIES = (
    ("ed", "occupied"),
    ("ed", "queue_length"),
    ("acute_ward", "occupied"),
    ("acute_ward", "medically_fit"),
)
_OTHER_METRICS = ("occupied", "queue_length")


def warmup_series(scenario: Scenario) -> list[tuple[str, str]]:
    """The daily series (service, metric) judged by default when choosing a warm-up: A&E's
    occupancy and queue, the acute ward's occupancy and medically fit patients, then the
    occupancy and queue of every other service ``scenario`` builds (each onward service, and
    those its settings add: a joint emergency team, virtual wards, same-day emergency care,
    ...), sorted by service and metric. The services are those the builder table makes of
    the scenario (built, not run)."""
    main = {service for service, _ in _MAIN_SERIES}
    system = System(scenario, 0, scenario.run.seed, 1, 0)
    others = {c.name for c in system.components if isinstance(c, Service)} - main
    return [*_MAIN_SERIES, *sorted((s, m) for s in others for m in _OTHER_METRICS)]


def capacity_fields(scenario: Scenario) -> list[str]:
    """The dotted fields of every capacity of ``scenario`` (A&E cubicles, acute beds, each
    onward service's places): what a sensitivity analysis varies by default."""
    fields = ["ed.cubicles", "acute_ward.beds"]
    fields += [f"onward_services.{name}.capacity" for name in scenario.onward_services]
    return fields
