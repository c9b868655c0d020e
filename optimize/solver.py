"""The solver layer: solve a PuLP problem with CBC or HiGHS and say honestly what happened.

``solve(problem, SolverOptions(...))`` returns a ``SolveOutcome`` with a plain-words status, the
objective, the solver's best bound and the relative gap, and the solve time in seconds. CBC's
bound and gap are read from its log; HiGHS's from highspy's info record. No ``pulp.LpStatus``
string leaves this module.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from typing import Literal

import pulp

from optimize.deadline import Deadline
from optimize.highs_child import (
    CHILD_FROM_INTEGERS,
    can_have_children,
    load_arrays,
    solve_in_child,
    stdout_silenced,
)
from optimize.result import Status

SolverName = Literal["cbc", "highs"]
SOLVERS: tuple[str, ...] = ("cbc", "highs")

#: The solver commands and scenarios use unless told otherwise. CBC (bundled with PuLP) is the
#: fallback that always exists: ``solver_named(None)`` gives it when highspy is missing.
DEFAULT_SOLVER: SolverName = "highs"

#: A relative gap at or below this counts as "optimal" rather than "feasible within gap".
OPTIMAL_GAP = 1e-6


@dataclass(frozen=True)
class SolverOptions:
    """How to solve: which solver and its limits.

    name         "cbc" (bundled with PuLP, default) or "highs" (through highspy).
    time_limit_s wall-clock limit in seconds; None = no limit.
    gap_rel      stop when the relative gap between plan and bound is below this (0.01 = 1%).
                 None uses the solver's default (CBC ~0, HiGHS 1e-4).
    threads      solver threads; None = solver default.
    seed         random seed for the solver's heuristics, for reproducible runs.
    msg          print the solver log.
    cutoff       only plans with an objective below this are sought (minimisation; e.g. the
                 cost of a heuristic plan already in hand). "infeasible" then means "none
                 better than the cutoff".
    node_limit   a work limit: stop the branch-and-bound search after this many nodes. Unlike
                 a time limit it does not depend on the machine's load: the same inputs on the
                 same machine give the same plan (with ``threads=1``).

    The time limit is that of a whole run: the entry point of a model makes one
    ``optimize.deadline.Deadline`` from it and every solve takes what is left (``solve``'s
    ``deadline``).
    """

    name: SolverName = "cbc"
    time_limit_s: float | None = None
    gap_rel: float | None = None
    threads: int | None = None
    seed: int | None = None
    msg: bool = False
    cutoff: float | None = None
    node_limit: int | None = None

    def __post_init__(self) -> None:
        if self.name not in SOLVERS:
            raise ValueError(f"solver must be one of {', '.join(SOLVERS)}, got {self.name!r}")
        if self.name == "highs" and not highs_available():
            raise ValueError("solver 'highs' needs the highspy package: pip install highspy")


@dataclass
class SolveOutcome:
    """What one solver call returned, in plain words."""

    status: Status
    objective: float | None
    best_bound: float | None
    gap: float | None
    solve_seconds: float
    solver: str
    messages: list[str] = field(default_factory=list)

    @property
    def has_plan(self) -> bool:
        """True when variable values hold a usable plan."""
        return self.status not in ("infeasible", "no solution found")


def highs_available() -> bool:
    """True when highspy can be imported (pulp.HiGHS usable)."""
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True


def solver_named(name: str | None = None) -> SolverName:
    """The solver called ``name`` ("highs" or "cbc"); None = ``DEFAULT_SOLVER``, or CBC when
    highspy is not installed. An unknown name or a missing highspy raises InputError."""
    from demand.errors import InputError

    if name is None:
        return DEFAULT_SOLVER if highs_available() else "cbc"
    if name not in SOLVERS:
        raise InputError(f"--solver must be cbc or highs, got {name!r}")
    if name == "highs" and not highs_available():
        raise InputError("--solver highs needs the highspy package (pip install highspy); or "
                         "use --solver cbc")  # fmt: skip
    return name  # type: ignore[return-value]


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|objective - bound| / max(|objective|, 1e-9); None when either is missing."""
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)


_COLUMNS = "_civicalloc_columns"  # attribute on a problem: (size key, its variable list)


def problem_variables(problem: pulp.LpProblem) -> list[pulp.LpVariable]:
    """``problem.variables()`` (sorted by name), gathered once while the model keeps its size.

    PuLP re-scans every constraint for the list on each call (about 1.5 s on a 250,000-row
    model, and a solve asks for it several times). The list is remembered with the number of
    rows, terms and the objective; adding a row or a term, or a new objective, gathers it again.
    """
    key = (
        len(problem.constraints),
        sum(len(c) for c in problem.constraints.values()),
        id(problem.objective),
        len(problem.objective) if problem.objective is not None else -1,
    )
    cached = getattr(problem, _COLUMNS, None)
    if cached is not None and cached[0] == key:
        return cached[1]
    columns = problem.variables()
    setattr(problem, _COLUMNS, (key, columns))
    return columns


def solve(
    problem: pulp.LpProblem,
    options: SolverOptions | None = None,
    warm_start: bool = False,
    deadline: Deadline | None = None,
) -> SolveOutcome:
    """Solve ``problem`` in place (variables get values) and report what happened.

    deadline: the run's deadline; this solve takes what is left of it (at least
    ``optimize.deadline.FLOOR_S``). None = a deadline of ``options.time_limit_s`` from now.
    warm_start: use the variables' current values as a starting plan (set them with
    ``var.setInitialValue``). CBC reads them as a MIP start. HiGHS does not get it: HiGHS 1.16
    with a start and presolve can claim a wrong optimum (see ``_solve_highs``).
    """
    options = options or SolverOptions()
    if deadline is None:
        deadline = Deadline.after(options.time_limit_s)
    limit_s = deadline.left()
    if options.name == "highs":
        outcome = _solve_highs(problem, options, warm_start, deadline)
    else:
        outcome = _solve_cbc(problem, options, warm_start, deadline)
    note = overrun_note(outcome.solver, outcome.solve_seconds, limit_s)
    if note:
        outcome.messages.append(note)
    return outcome


OVERRUN_GRACE_S = 5.0  # seconds past the limit that are reading and writing, not worth a word


def overrun_note(solver: str, seconds: float, limit_s: float | None) -> str | None:
    """A message when a solve ran well past its time limit, else None.

    Both solvers have steps that do not look at the clock on very large models (HiGHS's root
    heuristics, CBC reading PuLP's MPS file); the user should hear that the limit was not kept.
    """
    if limit_s is None or seconds <= limit_s + OVERRUN_GRACE_S:
        return None
    return (
        f"{solver} ran {seconds - limit_s:,.0f} s past its {limit_s:,.0f} s time limit, in a step "
        "that does not check the clock (seen on models with ~100,000 integers); a smaller model "
        "(fewer allowed pairs) keeps to the limit"
    )


# --- CBC --------------------------------------------------------------------------------------


class _CbcWithDeadline(pulp.PULP_CBC_CMD):
    """PuLP's CBC whose time limit is what is left of a deadline when CBC starts.

    PuLP writes the model to an MPS file before CBC starts its clock; on a 250,000-row model
    that is several seconds the limit would not see. PuLP reads ``timeLimit`` after writing, so
    reading it gives what is left. Setting ``timeLimit`` (PuLP does, from its argument) starts
    a deadline that many seconds from now; ``deadline`` sets one directly.
    """

    deadline: Deadline = Deadline()

    @property
    def timeLimit(self) -> float | None:  # noqa: N802 (PuLP's name)
        left = self.deadline.left()
        return None if left is None else round(left, 2)

    @timeLimit.setter
    def timeLimit(self, seconds: float | None) -> None:  # noqa: N802
        self.deadline = Deadline.after(seconds)


_CBC_NUMBER = r"(-?[0-9.eE+-]+)"


def _solve_cbc(
    problem: pulp.LpProblem, options: SolverOptions, warm_start: bool, deadline: Deadline
) -> SolveOutcome:
    fd, log_path = tempfile.mkstemp(prefix="civicalloc-cbc-", suffix=".log")
    os.close(fd)
    extra = [f"randomCbcSeed {options.seed}", f"randomSeed {options.seed}"] if options.seed else []
    if options.cutoff is not None:
        extra.append(f"cutoff {options.cutoff!r}")
    solver = _CbcWithDeadline(
        msg=False,
        gapRel=options.gap_rel,
        threads=options.threads,
        warmStart=warm_start,
        logPath=log_path,
        options=extra,
        maxNodes=options.node_limit,
    )
    solver.deadline = deadline
    start = time.perf_counter()
    try:
        problem.solve(solver)
        seconds = time.perf_counter() - start
        with open(log_path, encoding="utf-8", errors="replace") as fh:
            log = fh.read()
    except pulp.PulpSolverError as exc:
        message = f"CBC failed: {exc}"
        return SolveOutcome("no solution found", None, None, None, 0.0, "cbc", [message])
    finally:
        os.unlink(log_path)
    if options.msg:
        print(log)
    return _read_cbc_outcome(problem, log, seconds, warm_start)


def _read_cbc_outcome(
    problem: pulp.LpProblem, log: str, seconds: float, warm_start: bool
) -> SolveOutcome:
    """Map CBC's log and PuLP's solution status to a plain outcome with bound and gap."""
    result = re.search(r"^Result - (.*)$", log, re.MULTILINE)
    result_line = result.group(1).strip() if result else ""
    bound_match = re.search(r"^Lower bound:\s+" + _CBC_NUMBER, log, re.MULTILINE)
    messages = [f"CBC: {result_line}"] if result_line else []
    if warm_start:
        messages.append("warm start given to CBC")
    has_values = problem.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    sense = problem.sense  # CBC logs the bound in the problem's own sense
    objective = pulp.value(problem.objective) if has_values else None
    objective = float(objective) if objective is not None else None
    bound = float(bound_match.group(1)) if bound_match else None
    if bound is not None:  # CBC's bound leaves out the objective's constant; the objective has it
        bound += float(problem.objective.constant or 0.0)

    low = result_line.lower()
    if "infeasible" in low or problem.status == pulp.LpStatusInfeasible:
        return SolveOutcome("infeasible", None, None, None, seconds, "cbc", messages)
    if "unbounded" in low or problem.status == pulp.LpStatusUnbounded:
        messages.append("the model is unbounded: a cost or limit is missing")
        return SolveOutcome("no solution found", None, None, None, seconds, "cbc", messages)
    if not has_values or objective is None:
        return SolveOutcome("no solution found", None, bound, None, seconds, "cbc", messages)
    if bound is None:  # proven optimal (CBC prints no bound then), or a pure LP
        if problem.status == pulp.LpStatusOptimal and "stopped" not in low:
            return SolveOutcome("optimal", objective, objective, 0.0, seconds, "cbc", messages)
    gap = relative_gap(objective, bound)
    if sense == pulp.LpMaximize and bound is not None and bound < objective:
        gap = 0.0  # CBC rounding: bound can read below a proven maximum
    if "stopped" in low and "node" in low:
        status: Status = "stopped at work limit with best plan"
    elif "stopped" in low or "time" in low:
        status = "stopped at time limit with best plan"
    elif gap is not None and gap <= OPTIMAL_GAP:
        status = "optimal"
    else:
        status = "feasible within gap"
    return SolveOutcome(status, objective, bound, gap, seconds, "cbc", messages)


# --- HiGHS ------------------------------------------------------------------------------------


_BANNER_SHOWN = False


def quiet_highs_banner() -> None:
    """HiGHS prints a copyright banner once per process when first created; swallow it."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return
    import highspy

    with stdout_silenced():
        highspy.Highs()
    _BANNER_SHOWN = True


def _highs_class() -> type:
    class _HiGHSWithStart(pulp.HiGHS):
        """pulp.HiGHS (highspy) that can hand the variables' current values as a start."""

        warm_start = False
        columns: list = []  # the problem's variables in HiGHS's column order
        deadline: Deadline = Deadline()  # the run's deadline (what is left is the limit)
        arrays: dict | None = None  # the model as arrays, when it goes to a child process
        child_answer = None  # highs_child.ChildAnswer when the model was solved in one
        lp_only = False  # no integer columns: the rules' shadow prices are read back

        def actualSolve(self, lp: pulp.LpProblem) -> int:  # noqa: N802 (PuLP's name)
            """PuLP's own steps, with the variable list gathered once (PuLP re-scans every
            constraint for it four times a solve: about 0.7 s each on a 250,000-row model)."""
            self.createAndConfigureSolver(lp)
            self.buildSolverModel(lp)
            self.callSolver(lp)
            status, sol_status = self.findSolutionValues(lp)
            for var in self.columns:
                var.modified = False
            for constraint in lp.constraints.values():
                constraint.modifier = False
            lp.assignStatus(status, sol_status)
            return status

        def buildSolverModel(self, lp: pulp.LpProblem) -> None:  # noqa: N802
            """The model as arrays, handed to HiGHS in a few bulk calls instead of one call per
            row; a big MIP with a time limit keeps them for a child process instead."""
            import highspy
            import numpy as np

            inf = highspy.kHighsInf
            self.columns = columns = problem_variables(lp)
            for i, var in enumerate(columns):
                var.index = i
            objective = lp.objective if lp.objective is not None else {}
            sign = -1.0 if lp.sense == pulp.LpMaximize else 1.0
            starts, index, value, row_lower, row_upper = [], [], [], [], []
            for constraint in lp.constraints.values():
                starts.append(len(index))
                for var, coefficient in constraint.items():
                    if coefficient != 0:
                        index.append(var.index)
                        value.append(coefficient)
                lb, ub = constraint.getLb(), constraint.getUb()
                row_lower.append(-inf if lb is None else lb)
                row_upper.append(inf if ub is None else ub)
            integer = [i for i, v in enumerate(columns) if v.cat == pulp.LpInteger]
            arrays = {
                "lower": np.array(
                    [-inf if v.lowBound is None else v.lowBound for v in columns], float
                ),
                "upper": np.array(
                    [inf if v.upBound is None else v.upBound for v in columns], float
                ),
                "cost_index": np.fromiter((v.index for v in objective), np.int32, len(objective)),
                "cost": np.fromiter(objective.values(), float, len(objective)) * sign,
                "integer": np.array(integer if self.mip else [], np.int32),
                "row_lower": np.array(row_lower, float),
                "row_upper": np.array(row_upper, float),
                "starts": np.array(starts, np.int32),
                "index": np.array(index, np.int32),
                "value": np.array(value, float),
            }
            self.child_answer = None
            self.arrays = None
            self.lp_only = not len(arrays["integer"])  # (empty too when PuLP relaxes a MIP)
            if (
                self.deadline.limited
                and len(arrays["integer"]) >= CHILD_FROM_INTEGERS
                and can_have_children()
            ):
                self.arrays = arrays  # solved in a child process (callSolver)
            else:
                load_arrays(lp.solverModel, arrays)

        def findSolutionValues(self, lp: pulp.LpProblem):  # noqa: N802
            answer = self.child_answer
            if answer is not None:  # solved in a child process: its plan, if any
                if answer.values is not None:
                    for var, value in zip(self.columns, answer.values, strict=True):
                        var.varValue = float(value)
                    return pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible
                return pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound
            import highspy

            h = lp.solverModel
            if h.getModelStatus() == highspy.HighsModelStatus.kSolutionLimit:  # PuLP 2.9 lacks it
                if h.getInfo().primal_solution_status != 2:  # work limit reached with no plan
                    return pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound
                for var, value in zip(self.columns, h.getSolution().col_value, strict=True):
                    var.varValue = value
                return pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible
            lp.variables = lambda: self.columns  # PuLP's method re-scans; same list, once
            try:
                found = super().findSolutionValues(lp)
            finally:
                del lp.variables
            if self.lp_only:
                solution = lp.solverModel.getSolution()
                if solution.dual_valid:  # an LP: each rule's shadow price (objective per unit)
                    sign = -1.0 if lp.sense == pulp.LpMaximize else 1.0
                    for constraint, dual in zip(
                        lp.constraints.values(), solution.row_dual, strict=True
                    ):
                        constraint.pi = sign * float(dual)
            return found

        def callSolver(self, lp: pulp.LpProblem) -> None:  # noqa: N802 (PuLP's name)
            if self.deadline.limited:  # passing a big model to HiGHS takes seconds too
                lp.solverModel.setOptionValue("time_limit", self.deadline.left())
            if self.arrays is not None:  # big MIP: in a child process that can be ended
                options = {"time_limit": self.deadline.left()}
                for name in (
                    "mip_rel_gap", "threads", "random_seed", "objective_bound", "mip_max_nodes"
                ):  # fmt: skip
                    got = lp.solverModel.getOptionValue(name)  # (status, value) in highspy 1.16
                    options[name] = got[1] if isinstance(got, tuple) else got
                self.child_answer = solve_in_child(self.arrays, options, self.deadline.at)
                self.arrays = None
                return
            if self.warm_start:
                import highspy

                start = highspy.HighsSolution()
                start.col_value = [float(v.varValue or 0.0) for v in self.columns]
                start.value_valid = True
                lp.solverModel.setSolution(start)
            lp.solverModel.run()

    return _HiGHSWithStart


def prepare_highs(threads: int | None) -> None:
    """Before a model talks to highspy itself: the banner swallowed and HiGHS's thread pool
    right for ``threads`` (see ``_highs_scheduler_for``)."""
    quiet_highs_banner()
    _highs_scheduler_for(threads)


_HIGHS_SCHEDULER: tuple[int, int | None] | None = None  # (process id, threads) of HiGHS's pool


def _highs_scheduler_for(threads: int | None) -> None:
    """Restart HiGHS's global thread pool when the process or the thread count changes.

    HiGHS keeps one pool per process, sized by the first solve: a later solve asking for another
    thread count does not run at all (status 'Not Set'), and a forked child inherits a pool whose
    threads are gone. Both were seen here as "no solution found" from perfectly good models.
    """
    global _HIGHS_SCHEDULER
    import highspy

    key = (os.getpid(), threads)
    if _HIGHS_SCHEDULER is not None and _HIGHS_SCHEDULER != key:
        highspy.Highs.resetGlobalScheduler(True)
    _HIGHS_SCHEDULER = key


def _solve_highs(
    problem: pulp.LpProblem, options: SolverOptions, warm_start: bool, deadline: Deadline
) -> SolveOutcome:
    import highspy

    if not options.msg:
        quiet_highs_banner()
    _highs_scheduler_for(options.threads)
    extra = {"random_seed": int(options.seed)} if options.seed is not None else {}
    if options.cutoff is not None:
        extra["objective_bound"] = float(options.cutoff)
    if options.node_limit is not None:
        extra["mip_max_nodes"] = int(options.node_limit)
    solver = _highs_class()(
        msg=options.msg,
        timeLimit=deadline.left(),
        gapRel=options.gap_rel,
        threads=options.threads,
        **extra,
    )
    # HiGHS 1.16 with a user start and presolve on can report a wrong optimum (seen on OR-Library
    # pmed1: 5602 claimed "optimal" where 5699 is), so the start is not passed to HiGHS.
    solver.warm_start = False
    start = time.perf_counter()
    solver.deadline = deadline
    problem.solve(solver)
    seconds = time.perf_counter() - start

    h = problem.solverModel
    S = highspy.HighsModelStatus
    answer = solver.child_answer
    if answer is None:
        model_status = h.getModelStatus()
        info = h.getInfo()
        has_values = info.primal_solution_status == 2  # kSolutionStatusFeasible
        raw_objective, raw_bound = info.objective_function_value, info.mip_dual_bound
        messages = [f"HiGHS: {h.modelStatusToString(model_status)}"]
    else:  # solved in a child process (highs_child): a big model, so that it can be ended
        model_status = S.kTimeLimit if answer.status is None else S(answer.status)
        has_values = answer.objective is not None
        raw_objective = answer.objective if has_values else math.inf
        raw_bound = answer.bound if answer.bound is not None else -math.inf
        messages = [f"HiGHS (in a child process): {h.modelStatusToString(model_status)}"]
        if answer.ended_at_deadline:
            messages.append(
                "HiGHS was ended at the time limit in a step that does not check the clock; "
                "the plan and bound are the best it had reported"
            )
    if warm_start:
        messages.append("warm start not passed to HiGHS (its start handling is unreliable)")
    flip = -1.0 if problem.sense == pulp.LpMaximize else 1.0  # pulp hands HiGHS a minimisation
    is_mip = any(v.cat == pulp.LpInteger for v in solver.columns)
    offset = float(problem.objective.constant) if problem.objective is not None else 0.0
    objective = flip * raw_objective + offset if has_values else None
    if is_mip:
        bound = flip * raw_bound + offset if math.isfinite(raw_bound) else None
    else:
        bound = objective if model_status == S.kOptimal else None

    if model_status in (S.kInfeasible, S.kUnboundedOrInfeasible):
        return SolveOutcome("infeasible", None, None, None, seconds, "highs", messages)
    if model_status == S.kUnbounded:
        messages.append("the model is unbounded: a cost or limit is missing")
        return SolveOutcome("no solution found", None, None, None, seconds, "highs", messages)
    if objective is None:
        return SolveOutcome("no solution found", None, bound, None, seconds, "highs", messages)
    gap = relative_gap(objective, bound)
    if model_status == S.kOptimal:
        status: Status = "optimal" if gap is None or gap <= OPTIMAL_GAP else "feasible within gap"
        if gap is None:
            gap, bound = 0.0, objective
    elif model_status in (S.kSolutionLimit, S.kIterationLimit):  # a work limit: deterministic
        status = "stopped at work limit with best plan"
    else:  # time limit, interrupted: best plan so far
        status = "stopped at time limit with best plan"
    return SolveOutcome(status, objective, bound, gap, seconds, "highs", messages)
