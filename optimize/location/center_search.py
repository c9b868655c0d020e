"""p-center as a search over radii: a sequence of set-covering questions instead of a min-max MIP.

The p-center optimum is one of the costs in the matrix. For a radius r, "can p sites reach
every demand within r?" is a set-covering question (Minieka 1970; Daskin 2000):

    min  sum_j y_j   s.t.  sum_{j: c_ij <= r} y_j >= 1  (every demand i),  y_j in {0, 1},
         y_j = 1 for fixed-open sites;          r is feasible  <=>  the minimum is <= p.

The method binary-searches the sorted distinct costs between a lower bound (every demand's
nearest site) and a good plan's radius (greedy + swaps). Each question is answered cheaply
where possible -- a greedy cover with <= p sites says yes -- and otherwise by a small MIP over a
growing subset of the demands (row generation, as in Contardo, Iori & Kramer 2019): a cover
of the subset with more than p sites says no for all; one with <= p sites that reaches every
demand says yes; else the demands it misses join the subset. The answer is proven optimal when
the radius just below it is proven infeasible.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np

from optimize.deadline import NO_DEADLINE, Deadline
from optimize.location.outcome import SearchOutcome

#: Demands added to the subset per round when a cover of the subset misses some.
ADD_PER_ROUND = 50


def worst_cost(cost: np.ndarray, open_idx: np.ndarray) -> float:
    """The largest cost from any demand to its nearest open site."""
    return float(cost[:, open_idx].min(axis=1).max())


def good_center_sites(cost: np.ndarray, p: int, fixed: Sequence[int] = ()) -> np.ndarray:
    """p sites with a small worst cost: greedy (each time the site that lowers the worst cost
    most, ties to the lower total), then swaps of one open site for one closed site while the
    worst cost falls."""
    n, m = cost.shape
    chosen = list(dict.fromkeys(int(j) for j in fixed))[:p]
    near = cost[:, chosen].min(axis=1) if chosen else np.full(n, np.inf)
    while len(chosen) < p:
        with_j = np.minimum(near[:, None], cost)
        score = with_j.max(axis=0) + 1e-9 * with_j.mean(axis=0) / max(float(cost.max()), 1.0)
        score[chosen] = np.inf
        j = int(np.argmin(score))
        chosen.append(j)
        near = np.minimum(near, cost[:, j])
    open_ = np.array(chosen, dtype=np.int64)
    fixed_set = {int(j) for j in fixed}
    current = worst_cost(cost, open_)
    improved = True
    while improved:
        improved = False
        for pos in range(p):
            if int(open_[pos]) in fixed_set:
                continue
            others = np.delete(open_, pos)
            without = cost[:, others].min(axis=1) if len(others) else np.full(n, np.inf)
            worst = np.minimum(without[:, None], cost).max(axis=0)
            worst[others] = np.inf
            j = int(np.argmin(worst))
            if worst[j] < current:
                open_[pos], current, improved = j, float(worst[j]), True
    return np.sort(open_)


def greedy_cover(reach: np.ndarray, done: np.ndarray, budget: int) -> np.ndarray | None:
    """Sites covering every demand not ``done`` with at most ``budget`` sites, chosen greedily
    (most demands newly reached first); None when greedy needs more."""
    left = ~done
    chosen: list[int] = []
    while left.any():
        if len(chosen) >= budget:
            return None
        gain = reach[left].sum(axis=0)
        j = int(np.argmax(gain))
        if gain[j] == 0:
            return None
        chosen.append(j)
        left &= ~reach[:, j]
    return np.array(chosen, dtype=np.int64)


class CoverQuestions:
    """Answers "can ``budget`` more sites reach every demand within r?" with HiGHS."""

    def __init__(self, cost: np.ndarray, fixed: np.ndarray, budget: int, threads, seed):
        self.cost, self.fixed, self.budget = cost, fixed, budget
        self.threads, self.seed = threads, seed
        self.subset: set[int] = set()
        self.mips = 0

    def ask(self, radius: float, deadline: float | None) -> tuple[str, np.ndarray | None]:
        """("yes", the extra sites) | ("no", None) | ("time", None)."""
        reach = self.cost <= radius
        done = reach[:, self.fixed].any(axis=1) if len(self.fixed) else np.zeros(len(reach), bool)
        if not (reach | done[:, None]).any(axis=1).all():
            return "no", None  # a demand has no site within r
        quick = greedy_cover(reach, done, self.budget)
        if quick is not None:
            return "yes", quick
        todo = np.flatnonzero(~done)
        if not self.subset & set(todo.tolist()):
            # start from the demands with the fewest sites in reach
            fewest = todo[np.argsort(reach[todo].sum(axis=1), kind="stable")]
            self.subset |= set(fewest[:ADD_PER_ROUND].tolist())
        while True:
            rows = np.array(sorted(self.subset & set(todo.tolist())), dtype=np.int64)
            answer, sites = self._cover_mip(reach[rows], deadline)
            if answer != "yes":
                return answer, None
            missed = todo[~reach[np.ix_(todo, sites)].any(axis=1)]
            if len(missed) == 0:
                return "yes", sites
            # the missed demands with the fewest sites in reach join the subset
            order = np.argsort(reach[missed].sum(axis=1), kind="stable")
            self.subset |= set(missed[order[:ADD_PER_ROUND]].tolist())

    def _cover_mip(self, reach: np.ndarray, deadline: float | None):
        """min sum y over the sites, every row reached; "yes" with the sites as soon as a
        cover with <= budget sites is found, "no" when none exists."""
        import highspy

        self.mips += 1
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        if self.threads is not None:
            h.setOptionValue("threads", int(self.threads))
        if self.seed is not None:
            h.setOptionValue("random_seed", int(self.seed))
        if deadline is not None:
            left = deadline - time.perf_counter()
            if left <= 0:
                return "time", None
            h.setOptionValue("time_limit", float(left))
        n, m = reach.shape
        upper = np.ones(m)
        upper[self.fixed] = 0.0  # fixed sites are open already and reach what they reach
        none = (np.array([], np.int32), np.array([], np.int32), np.array([], np.float64))
        h.addCols(m, np.ones(m), np.zeros(m), upper, 0, *none)
        r, c = np.nonzero(reach)
        starts = np.searchsorted(r, np.arange(n)).astype(np.int32)
        h.addRows(
            n, np.ones(n), np.full(n, np.inf), len(c), starts, c.astype(np.int32), np.ones(len(c))
        )
        h.changeColsIntegrality(m, np.arange(m, dtype=np.int32), np.ones(m, dtype=np.uint8))
        # only covers with at most budget sites matter, and the first one answers: the search
        # stops at a cover that small (target) or when the bound proves there is none (bound)
        h.setOptionValue("objective_bound", self.budget + 0.5)
        h.setOptionValue("objective_target", self.budget + 0.5)
        h.run()
        S = highspy.HighsModelStatus
        status = h.getModelStatus()
        if h.getInfo().primal_solution_status == 2:
            x = np.asarray(h.getSolution().col_value)
            sites = np.flatnonzero(x > 0.5)
            if len(sites) <= self.budget:
                return "yes", sites
        if status in (S.kInfeasible, S.kObjectiveBound, S.kOptimal):
            return "no", None
        return "time", None


def _whole_plan(sites: np.ndarray, cost: np.ndarray, p: int) -> np.ndarray:
    """The sites topped up to p (an extra site only lowers costs), chosen greedily."""
    plan = np.unique(sites)
    if len(plan) < p:
        spare = np.setdiff1d(np.arange(cost.shape[1]), plan)
        extra = good_center_sites(cost[:, spare], p - len(plan), ())
        plan = np.sort(np.concatenate([plan, spare[extra]]))
    return plan


def solve_p_center_by_covering(
    cost: np.ndarray,
    p: int,
    fixed: Sequence[int] = (),
    run_deadline: Deadline = NO_DEADLINE,
    threads: int | None = None,
    seed: int | None = None,
) -> SearchOutcome:
    """p-center on a dense demand x site matrix (inf = cannot serve; every demand reachable),
    by the run's deadline."""
    t0 = time.perf_counter()
    deadline = run_deadline.at  # a time.perf_counter() reading, None = no limit
    fixed = np.asarray(list(fixed), dtype=np.int64)
    finite = np.where(np.isfinite(cost), cost, np.inf)
    capped = np.where(np.isfinite(cost), cost, 1e300)
    best_open = good_center_sites(capped, p, fixed)
    best = worst_cost(finite, best_open)
    floor = float(finite.min(axis=1).max())  # no plan serves the farthest-off demand better
    messages = [f"greedy + swaps: worst cost {best:,.6g}; no plan below {floor:,.6g}"]
    values = np.unique(finite[(finite >= floor) & (finite <= best)])
    lo, hi = 0, len(values) - 1  # values[hi] is feasible; everything below values[lo] is not
    questions = CoverQuestions(finite, fixed, p - len(fixed), threads, seed)
    finished = True
    asked = 0
    if not math.isfinite(best):  # the good plan leaves a demand unreached: is any plan better?
        answer, sites = questions.ask(float(values[hi]), deadline)
        asked += 1
        if answer != "yes":
            status = "infeasible" if answer == "no" else "stopped at time limit with best plan"
            messages.append("no p sites reach every demand" if answer == "no" else "time ran out")
            return SearchOutcome(
                best_open, best, -math.inf, status, time.perf_counter() - t0, messages
            )
        best_open = _whole_plan(np.concatenate([fixed, sites]), capped, p)
        best = worst_cost(finite, best_open)
    while lo < hi:
        mid = (lo + hi) // 2
        answer, sites = questions.ask(float(values[mid]), deadline)
        asked += 1
        if answer == "time":
            finished = False
            break
        if answer == "yes":
            plan = _whole_plan(np.concatenate([fixed, sites]), capped, p)
            value = worst_cost(finite, plan)
            if value < best:
                best, best_open = value, plan
            hi = int(np.searchsorted(values, best, side="right")) - 1
            hi = min(hi, mid)
        else:
            lo = mid + 1
    bound = float(values[lo]) if len(values) else best
    messages.append(
        f"searched {asked} radii between {floor:,.6g} and the plan's ({questions.mips} covering "
        f"MIPs over at most {len(questions.subset)} demands)"
    )
    bound = min(bound, best)
    status = "optimal" if finished and bound >= best else "stopped at time limit with best plan"
    return SearchOutcome(best_open, best, bound, status, time.perf_counter() - t0, messages)
