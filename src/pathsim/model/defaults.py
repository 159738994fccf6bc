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
IN_USE = "in_use"
"""A daily series made of two: a service's contracted and spot-purchased places in use
together (``occupied`` + ``spot_occupied``). Judged instead of the contracted places alone for a
service that buys spot places: those run full from the first days, and a series pinned at its
ceiling gives a warm-up rule nothing to find."""
SPOT_OCCUPIED = "spot_occupied"


def warmup_series(scenario: Scenario) -> list[tuple[str, str]]:
    """The daily series (service, metric) judged by default when choosing a warm-up: A&E's
    occupancy and queue, the acute ward's occupancy and medically fit patients, then the
    occupancy and queue of every other service ``scenario`` builds (each onward service, and
    those its settings add: a joint emergency team, virtual wards, same-day emergency care,
    ...), sorted by service and metric; for a service that buys spot places, its places in
    use contracted and spot together (:data:`IN_USE`) instead of its contracted ones. The
    services are those the builder table makes of the scenario (built, not run)."""
    main = {service for service, _ in _MAIN_SERIES}
    system = System(scenario, 0, scenario.run.seed, 1, 0)
    others = {
        c.name: SPOT_OCCUPIED in c.level_monitors()
        for c in system.components
        if isinstance(c, Service) and c.name not in main
    }
    chosen = [
        (s, IN_USE if m == "occupied" and buys_spot else m)
        for s, buys_spot in others.items()
        for m in _OTHER_METRICS
    ]
    return [*_MAIN_SERIES, *sorted(chosen)]


def capacity_fields(scenario: Scenario) -> list[str]:
    """The dotted fields of every capacity of ``scenario`` (A&E cubicles, acute beds, each
    onward service's places): what a sensitivity analysis varies by default."""
    fields = ["ed.cubicles", "acute_ward.beds"]
    fields += [f"onward_services.{name}.capacity" for name in scenario.onward_services]
    return fields
