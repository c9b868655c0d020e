"""civicalloc: optimize stage -- PuLP models that rebalance supply against need.

The kit (see docs/optimize.md):

- ``optimize.result.PlanResult``: one result type for every model (plain-words status, objective,
  best bound, gap, build/solve seconds, ``plans`` frames, ``shortfall``, ``binding``, JSON).
- ``optimize.solver``: ``SolverOptions(name="cbc"|"highs", time_limit_s, gap_rel, threads,
  seed, msg)`` and ``solve(problem, options, warm_start)``.
- ``optimize.model.PlanModel`` + ``solve_plan``: a problem whose rules are registered by family
  and place, so an infeasible model is re-solved elastically and reports what had to give.
- ``optimize.blocks``: allowed pairs (cutoff / k nearest), assignment, site choice, serve once,
  unmet demand with penalty, capacity, coverage, min-max fairness, gap bound, stability.
- ``optimize.location``: p-median, p-center, MCLP, LSCP, capacitated p-median.

A model reads like its formulation::

    from optimize import blocks as b
    from optimize.model import PlanModel, solve_plan
    from optimize.solver import SolverOptions

    m = PlanModel("beds by hospital")
    pairs = b.add_assignment(m, b.allowed_pairs(costs, max_cost=30))   # x_ij, i -> j in 30 min
    unmet = b.add_unmet_demand(m, need, penalty=1_000)                 # u_i, penalised
    b.serve_once(m, pairs, need.index, unmet)                          # sum_j x_ij + u_i = 1
    pairs["load"] = pairs["demand_id"].map(need)
    b.within_capacity(m, pairs, "load", beds)                          # sum_i need_i x_ij <= beds_j
    m.add_term(b.expression(pairs["var"], pairs["cost"] * pairs["load"]))  # person-minutes
    result = solve_plan(m, lambda: {"assignment": ...}, SolverOptions("highs", time_limit_s=60))
    print(result.status, result.objective, result.gap, result.shortfall)
"""
