"""Turning a model's PlanResult into what the store keeps (status, objective, gap, times)."""

from __future__ import annotations

from optimize.result import PlanResult
from scenarios.store import ModelOutcome


def outcome_of(model: str, result: PlanResult, **detail) -> ModelOutcome:
    """The store's record of one solved model, with the shortfall and what bound, if any."""
    shortfall = result.shortfall
    info = {
        "solver": getattr(result, "solver", None),
        "best_bound": result.best_bound,
        "messages": list(getattr(result, "messages", []) or []),
        "shortfall_rows": 0 if shortfall is None else int(len(shortfall)),
        **detail,
    }
    return ModelOutcome(
        model=model,
        status=result.status,
        objective=result.objective,
        gap=result.gap,
        build_seconds=result.build_seconds,
        solve_seconds=result.solve_seconds,
        detail=info,
        has_plan=result.has_plan,
    )


def solver_options(scenario, time_limit_s: float | None = None):
    """The scenario's solver settings as the kit's SolverOptions (seeded for repeatability)."""
    from optimize.solver import SolverOptions

    s = scenario.solver
    return SolverOptions(
        s.name,
        time_limit_s=time_limit_s or s.time_limit_s,
        gap_rel=s.gap_rel,
        threads=s.threads,
        seed=scenario.seed,
    )
