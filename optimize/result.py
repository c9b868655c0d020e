"""One result type for every optimisation model: what happened, how good, and the plan."""

from __future__ import annotations

import datetime
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

Status = Literal[
    "optimal",
    "feasible within gap",
    "stopped at time limit with best plan",
    "stopped at work limit with best plan",
    "feasible, gap above target",
    "infeasible",
    "no solution found",
]
"""What a run's status says, in plain words:

optimal                               proven best (gap 0).
feasible within gap                   a plan proven within the gap asked for.
stopped at time limit with best plan  the clock ended the search: another run, on a busier or
                                      quieter machine, may stop at another plan.
stopped at work limit with best plan  a work limit (search nodes) ended it: the same inputs on
                                      the same machine give the same plan.
feasible, gap above target            the method finished (no limit stopped it) with a plan
                                      whose proven gap is above the one asked for (e.g. a
                                      decomposition's repaired plan).
infeasible                            no plan meets the rules; ``shortfall`` and ``binding``
                                      say where and which rule.
no solution found                     no plan, and no proof that none exists.
"""

#: Statuses under which ``plans`` hold a usable plan.
HAS_PLAN: frozenset[str] = frozenset(
    {
        "optimal",
        "feasible within gap",
        "stopped at time limit with best plan",
        "stopped at work limit with best plan",
        "feasible, gap above target",
    }
)

#: Statuses of a plan cut short by the clock: the result depends on the machine's load.
CUT_BY_CLOCK: frozenset[str] = frozenset({"stopped at time limit with best plan"})

SHORTFALL_COLUMNS = ["constraint", "where", "amount"]


def empty_shortfall() -> pd.DataFrame:
    """A shortfall frame with no rows: [constraint, where, amount]."""
    return pd.DataFrame(
        {c: pd.Series(dtype="float64" if c == "amount" else "object") for c in SHORTFALL_COLUMNS}
    )


@dataclass
class PlanResult:
    """What a model run produced.

    status       plain words, see ``Status``; ``infeasible`` always comes with ``shortfall``.
    objective    value of the model's objective for the plan found (model units, e.g.
                 person-minutes), None when there is no plan.
    best_bound   the solver's proven bound on the best possible objective.
    gap          relative gap |objective - best_bound| / max(|objective|, 1e-9); 0 when optimal.
    build_seconds / solve_seconds  Python model building vs. solver time, wall clock.
    plans        tidy frames named by the model, e.g. ``open_sites``, ``assignment``.
    shortfall    what could not be met: [constraint, where, amount] in the rule's units
                 (unmet demand, or how much a hard rule had to give in the elastic re-solve).
    binding      the rules that had to give (one row per constraint family: constraint,
                 places, total) -- the short answer to "why infeasible?".
    messages     human notes (warm start used, re-solve done, sparsification widened...).
    """

    model: str
    status: Status
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    solver: str = ""
    plans: dict[str, pd.DataFrame] = field(default_factory=dict)
    shortfall: pd.DataFrame = field(default_factory=empty_shortfall)
    binding: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["constraint", "places", "total"])
    )
    messages: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def has_plan(self) -> bool:
        """True when ``plans`` hold a usable plan (optimal, within gap, or best at time limit)."""
        return self.status in HAS_PLAN

    @property
    def total_seconds(self) -> float:
        """Build plus solve time, seconds."""
        return self.build_seconds + self.solve_seconds

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: numbers as floats (NaN/inf -> None), frames as lists of records."""
        return {
            "model": self.model,
            "status": self.status,
            "objective": _num(self.objective),
            "best_bound": _num(self.best_bound),
            "gap": _num(self.gap),
            "build_seconds": round(self.build_seconds, 4),
            "solve_seconds": round(self.solve_seconds, 4),
            "solver": self.solver,
            "params": _clean(self.params),
            "plans": {name: _records(frame) for name, frame in self.plans.items()},
            "shortfall": _records(self.shortfall),
            "binding": _records(self.binding),
            "messages": list(self.messages),
        }

    def to_json(self, path: str | Path | None = None, indent: int = 2) -> str:
        """Serialise to JSON text; also write it to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    def summary(self) -> str:
        """One line for logs and the CLI."""
        parts = [f"{self.model}: {self.status}"]
        if self.objective is not None:
            parts.append(f"objective {self.objective:,.4g}")
        if self.gap is not None:
            parts.append(f"gap {self.gap:.2%}")
        parts.append(
            f"build {self.build_seconds:.2f}s, solve {self.solve_seconds:.2f}s ({self.solver})"
        )
        # a time limit that was not kept is news for the user (solver.overrun_note)
        parts += [m for m in self.messages if " past its " in m and "time limit" in m]
        return ", ".join(parts)


def _num(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(v) for v in value]
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | datetime.date):  # months, years, dates
        return value.isoformat()
    if hasattr(value, "wkt"):  # shapely geometry, e.g. a district outline
        return value.wkt
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        return _num(value)
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [_clean(row) for row in frame.to_dict(orient="records")]
