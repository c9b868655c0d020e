"""What a bureau may see: the one rule every page, callback and export applies.

A user sees the service lines of their own bureau, whichever run they come through (admin:
everything):

- **runs**: their bureau's own runs, and the baseline runs admin published
  (`civicalloc publish`; `scenarios.store.readable_by`); any other run is answered as if it did
  not exist;
- **inside a run** (their own, or a published baseline that models every service): the KPIs of
  their service and the city's population KPIs; the plans of their service (`plan_service`:
  the bureau of the model that writes it, from the plan schemas of `demand.bundle.outputs`),
  and of a plan with a `service` column only their rows; a plan no schema names is admin's.

`Scope.of(role)` is the rule; the app opens every run through it (`dashboard.data.open_run`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from demand.bundle.outputs import plan_schema

ADMIN = "admin"
BY_ROW = "by row"  # a plan whose rows say their service (a `service` column)
POPULATION = "population"  # the city's residents, aggregated: every bureau sees them
SHARED_SERVICES = (POPULATION,)
# Plans of models that serve several bureaus, by what they are about.
FORECAST_PLANS = {
    "population_by_age_group": POPULATION,
    "enrolment_pressure": "education",
    "caseload_forecast": "social_security",
}


def plan_service(plan: str) -> str | None:
    """The service a stored plan belongs to: the bureau of the model that writes it, BY_ROW for
    a plan shared by services, None when no schema names it (then only admin sees it)."""
    schema = plan_schema(plan)
    if schema is None:
        return None
    if schema.model == "access":
        return BY_ROW
    if schema.model == "forecast":
        return FORECAST_PLANS.get(plan)
    return schema.model.split(".")[0]


@dataclass(frozen=True)
class Scope:
    """The services a role may see (`services` None: all, for admin)."""

    role: str

    @classmethod
    def of(cls, role: str) -> Scope:
        """The scope of a user's role (a bureau, or admin)."""
        return cls(role)

    @property
    def bureau(self) -> str | None:
        """The bureau whose runs are the user's own (None for admin: every run)."""
        return None if self.role == ADMIN else self.role

    @property
    def services(self) -> frozenset[str] | None:
        """Services whose figures the user sees (None: all)."""
        return None if self.bureau is None else frozenset({self.bureau, *SHARED_SERVICES})

    def sees(self, service: str | None) -> bool:
        """True when figures of `service` may be shown to this user."""
        return self.services is None or service in self.services

    def kpis(self, kpis: pd.DataFrame) -> pd.DataFrame:
        """The KPI rows (or comparison rows) of the services this user sees."""
        if self.services is None:
            return kpis
        return kpis[kpis["service"].isin(self.services)]

    def plan(self, name: str, frame: pd.DataFrame) -> pd.DataFrame | None:
        """The part of plan `name` this user sees (None: none of it)."""
        if self.services is None:
            return frame
        service = plan_service(name)
        if service == BY_ROW and "service" in frame.columns:
            rows = frame[frame["service"].isin(self.services)]
            return rows if len(rows) else None
        return frame if service in self.services else None

    def plans(self, plans: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
        """The plans (or parts) this user sees, by name."""
        seen = {name: self.plan(name, frame) for name, frame in plans.items()}
        return {name: frame for name, frame in seen.items() if frame is not None}
