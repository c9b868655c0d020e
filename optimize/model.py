"""A PuLP problem that knows its rules: named constraint families, unmet-demand slacks, timing.

Models are written as formulations on top of ``PlanModel``: create variables with the blocks in
``optimize.blocks``, add each rule with ``add_rules(family, {where: constraint})`` so that the
elastic re-solve can say which rule had to give and where, then call ``solve_plan``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd
import pulp

from optimize.deadline import Deadline
from optimize.result import PlanResult, empty_shortfall
from optimize.solver import SolveOutcome, SolverOptions, solve

#: Slack below this (in the rule's units) is solver noise, not a shortfall.
TOLERANCE = 1e-6


@dataclass
class UnmetTerm:
    """Penalised slack of one family: ``amount = scale * slack`` in the family's units."""

    family: str
    slack: pd.Series  # where -> LpVariable
    scale: pd.Series  # where -> units per unit of slack (e.g. persons)


@dataclass
class PlanModel:
    """A PuLP problem with its rules registered by family and place.

    sense: "min" or "max". ``rules[family][where]`` is the constraint for that place, e.g.
    ``rules["capacity"]["S3"]``. ``objective_terms`` are summed into the objective by
    ``set_objective`` (blocks add their penalties there).
    """

    name: str
    sense: str = "min"
    problem: pulp.LpProblem = field(init=False)
    rules: dict[str, dict[Hashable, pulp.LpConstraint]] = field(default_factory=dict)
    unmet: list[UnmetTerm] = field(default_factory=list)
    objective_terms: list[pulp.LpAffineExpression] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    _count: int = 0

    def __post_init__(self) -> None:
        sense = pulp.LpMinimize if self.sense == "min" else pulp.LpMaximize
        self.problem = pulp.LpProblem(_safe(self.name), sense)

    def new_name(self, prefix: str) -> str:
        """A short unique name for a variable or constraint (ids never go into names)."""
        self._count += 1
        return f"{prefix}_{self._count}"

    def variables(
        self,
        prefix: str,
        n: int,
        low: float | None = 0,
        up: float | None = None,
        binary: bool = False,
        *,
        integer: bool = False,
        numbered_from: int | None = None,
    ) -> list[pulp.LpVariable]:
        """n fresh variables named prefix_<k>: continuous, whole numbers (``integer``) or 0/1
        (``binary``).

        numbered_from: name them prefix_<numbered_from + k> without advancing the model's
        count, for a family made once per model whose names should not depend on what was
        built before it. The solvers order columns by name, so a model whose names stay the
        same is solved the same way.
        """
        cat = pulp.LpBinary if binary else pulp.LpInteger if integer else pulp.LpContinuous
        if numbered_from is None:
            start = self._count
            self._count += n
        else:
            start = numbered_from
        if binary:
            low, up = 0, 1
        return [pulp.LpVariable(f"{prefix}_{start + k}", low, up, cat) for k in range(n)]

    def add_rules(self, family: str, constraints: Mapping[Hashable, pulp.LpConstraint]) -> None:
        """Add one rule per place; the family name is what the elastic report says gave."""
        bucket = self.rules.setdefault(family, {})
        stem = _safe(family)
        for where, constraint in constraints.items():
            constraint.name = self.new_name(stem)
            self.problem.addConstraint(constraint)
            bucket[where] = constraint

    def add_term(self, expression: pulp.LpAffineExpression) -> None:
        """Add a term to the objective (set with ``set_objective``)."""
        self.objective_terms.append(expression)

    def set_objective(self) -> None:
        """Objective = sum of the registered terms."""
        total = pulp.LpAffineExpression()
        for term in self.objective_terms:
            total.addInPlace(term)
        self.problem.setObjective(total)

    def shortfall(self) -> pd.DataFrame:
        """Positive unmet amounts of every penalised slack: [constraint, where, amount]."""
        rows = []
        for term in self.unmet:
            for where, var in term.slack.items():
                value = (var.varValue or 0.0) * float(term.scale.get(where, 1.0))
                if value > TOLERANCE:
                    rows.append((term.family, _where(where), value))
        if not rows:
            return empty_shortfall()
        return pd.DataFrame(rows, columns=["constraint", "where", "amount"])


def solve_plan(
    model: PlanModel,
    read_plans: Callable[[], dict[str, pd.DataFrame]],
    options: SolverOptions | None = None,
    *,
    deadline: Deadline | None = None,
    may_give: Iterable[str] | None = None,
    warm_start: bool = False,
    params: dict | None = None,
    elastic: bool = True,
) -> PlanResult:
    """Solve the model and wrap everything in a ``PlanResult``.

    deadline: the run's deadline (``optimize.deadline``); the solve and any elastic re-solve
    take what is left of it. None = ``options.time_limit_s`` from now.
    When the model is infeasible, re-solve with the rule families in ``may_give`` (all families
    when None) made elastic: first find the least total give, then the best plan with that give.
    The result is then ``infeasible`` with ``shortfall`` naming rule, place and amount and the
    ``plans`` of that best compromise. elastic=False skips that (e.g. when "infeasible" only
    means "nothing beats the cutoff").
    """
    options = options or SolverOptions()
    if deadline is None:
        deadline = Deadline.after(options.time_limit_s)
    model.set_objective()
    build_seconds = time.perf_counter() - model.started
    if _has_impossible_rule(model):  # e.g. a demand no site can reach: 0 >= 1
        outcome = SolveOutcome("infeasible", None, None, None, 0.0, options.name)
    else:
        outcome = solve(model.problem, options, warm_start=warm_start, deadline=deadline)
    result = PlanResult(
        model=model.name,
        status=outcome.status,
        objective=outcome.objective,
        best_bound=outcome.best_bound,
        gap=outcome.gap,
        build_seconds=build_seconds,
        solve_seconds=outcome.solve_seconds,
        solver=outcome.solver,
        messages=list(outcome.messages),
        params=dict(params or {}),
    )
    if outcome.has_plan:
        result.plans = read_plans()
        result.shortfall = model.shortfall()
        return result
    if outcome.status == "infeasible" and elastic:
        families = list(model.rules) if may_give is None else list(may_give)
        give, second = relax_rules(model, families, options, deadline)
        result.solve_seconds += second.solve_seconds
        result.messages += second.messages
        result.shortfall = give
        result.binding = _binding(give)
        if second.has_plan:
            result.plans = read_plans()
            result.messages.append(
                "infeasible as stated; plans show the best plan if the rules in 'binding' give "
                "by the amounts in 'shortfall'"
            )
        else:
            result.messages.append(
                "still infeasible when these rules may give: " + ", ".join(families)
            )
    return result


def relax_rules(
    model: PlanModel,
    families: Iterable[str],
    options: SolverOptions,
    deadline: Deadline | None = None,
) -> tuple[pd.DataFrame, SolveOutcome]:
    """Elastic re-solve: let the named rule families give, by as little as possible in total.

    Phase 1 minimises the total give (in each rule's own units); phase 2 keeps that total and
    optimises the original objective. Both take what is left of ``deadline`` (None =
    ``options.time_limit_s`` from now, for both together). Returns the give per rule and place
    and the last outcome.
    """
    if deadline is None:
        deadline = Deadline.after(options.time_limit_s)
    problem = model.problem
    original = problem.objective
    original_sense = problem.sense
    gives: list[tuple[str, Hashable, pulp.LpVariable]] = []
    for family in families:
        for where, c in model.rules.get(family, {}).items():
            if c.sense in (pulp.LpConstraintLE, pulp.LpConstraintEQ):
                s = pulp.LpVariable(model.new_name("give"), 0)
                c[s] = -1.0  # the left side may exceed the limit by s
                gives.append((family, where, s))
            if c.sense in (pulp.LpConstraintGE, pulp.LpConstraintEQ):
                s = pulp.LpVariable(model.new_name("give"), 0)
                c[s] = 1.0  # the left side may fall short of the requirement by s
                gives.append((family, where, s))
    total_give = pulp.LpAffineExpression([(s, 1.0) for _, _, s in gives])
    problem.sense = pulp.LpMinimize
    problem.setObjective(total_give)
    first = solve(problem, options, deadline=deadline)
    if not first.has_plan:
        problem.sense, problem.objective = original_sense, original
        return empty_shortfall(), first
    least = first.objective or 0.0
    problem.addConstraint(
        pulp.LpConstraint(
            total_give,
            pulp.LpConstraintLE,
            model.new_name("least_give"),
            least * (1 + 1e-7) + TOLERANCE,
        )
    )
    problem.sense = original_sense
    problem.setObjective(original)
    second = solve(problem, options, deadline=deadline)
    second.solve_seconds += first.solve_seconds
    second.messages = first.messages + second.messages
    rows = [
        (family, _where(where), s.varValue or 0.0, abs(model.rules[family][where].constant))
        for family, where, s in gives
    ]
    frame = pd.DataFrame(rows, columns=["constraint", "where", "amount", "scale"])
    noise = 1e-5 * frame["scale"].clip(lower=1.0)  # solver tolerances scale with the rule
    frame = frame[frame["amount"] > noise].drop(columns="scale").reset_index(drop=True)
    return frame, second


def _has_impossible_rule(model: PlanModel) -> bool:
    for family in model.rules.values():
        for c in family.values():
            if len(c) == 0 and not c.valid(TOLERANCE):
                return True
    return False


def _binding(give: pd.DataFrame) -> pd.DataFrame:
    if give.empty:
        return pd.DataFrame(columns=["constraint", "places", "total"])
    out = give.groupby("constraint", sort=False)["amount"].agg(places="size", total="sum")
    return out.reset_index()


def _where(where: Hashable) -> str:
    if isinstance(where, tuple):
        return " / ".join(str(w) for w in where)
    return str(where)


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text)
