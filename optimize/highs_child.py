"""HiGHS in a child process, so that a solve can be stopped at its deadline from outside.

HiGHS 1.16 checks its time limit between steps. On very large models some steps run for
minutes without looking at the clock (on the 115,000-integer outreach benchmark the root
node's central-rounding heuristic ran 130 s past a 120 s limit), and its interrupt callbacks are
not called inside them either. A child process can be ended; it reports each better plan and
the bound as it goes, so the parent keeps the best plan found and its gap when it has to stop
the child.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from optimize.processes import die_with_parent

#: Models with at least this many integer columns are solved in a child process when a time
#: limit is set. Starting one costs about 1-2 s (imports, handing the arrays over), which only
#: pays on models whose steps can run long: the outreach benchmark has 115,164.
CHILD_FROM_INTEGERS = 50_000

#: Seconds after the deadline that the child may use to send its final answer.
GRACE_S = 3.0


def can_have_children() -> bool:
    """False in a daemonic process (e.g. a Dask worker), which may not start processes: there
    the solve stays in-process."""
    return not mp.current_process().daemon


@dataclass
class ChildAnswer:
    """What the child reported: HiGHS's model status (an int; None when the child was ended
    at the deadline), the best plan's objective and column values, and the best bound."""

    status: int | None
    objective: float | None
    bound: float | None
    values: np.ndarray | None
    ended_at_deadline: bool


@contextlib.contextmanager
def stdout_silenced():
    """File descriptor 1 to /dev/null while inside (HiGHS writes its banner from C++, past
    ``sys.stdout``)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def load_arrays(h, arrays: dict) -> None:
    """Hand a model to the HiGHS object ``h`` in bulk: columns [lower, upper], costs
    [cost_index, cost], integer columns [integer], rows in CSR form [row_lower, row_upper,
    starts, index, value]. The in-process bridge (``solver._highs_class``) and the child use it."""
    import highspy

    h.addVars(len(arrays["lower"]), arrays["lower"], arrays["upper"])
    if len(arrays["cost_index"]):
        h.changeColsCost(len(arrays["cost_index"]), arrays["cost_index"], arrays["cost"])
    if len(arrays["integer"]):
        kinds = np.full(len(arrays["integer"]), int(highspy.HighsVarType.kInteger), np.uint8)
        h.changeColsIntegrality(len(arrays["integer"]), arrays["integer"], kinds)
    if len(arrays["row_lower"]):
        h.addRows(
            len(arrays["row_lower"]), arrays["row_lower"], arrays["row_upper"],
            len(arrays["index"]), arrays["starts"], arrays["index"], arrays["value"],
        )  # fmt: skip


def _child(conn, arrays: dict, options: dict, parent_pid: int) -> None:  # in the child
    import highspy

    die_with_parent(parent_pid)  # a killed sweep worker must not leave its solve running

    with stdout_silenced():  # HiGHS prints its banner when the first model is made
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    load_arrays(h, arrays)
    for name, value in options.items():
        h.setOptionValue(name, value)
    last = [0.0]

    def improving(event) -> None:
        out = event.data_out
        conn.send(("plan", float(out.objective_function_value), np.array(out.mip_solution)))

    def progress(event) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5:
            last[0] = now
            conn.send(("bound", float(event.data_out.mip_dual_bound)))

    h.cbMipImprovingSolution.subscribe(improving)
    h.cbMipInterrupt.subscribe(progress)
    h.run()
    info = h.getInfo()
    has_values = info.primal_solution_status == 2
    values = np.array(h.getSolution().col_value) if has_values else None
    objective = float(info.objective_function_value) if has_values else None
    conn.send(("done", int(h.getModelStatus()), objective, float(info.mip_dual_bound), values))
    conn.close()


def solve_in_child(arrays: dict, options: dict, deadline: float) -> ChildAnswer:
    """Solve the model given as arrays (see ``solver._highs_class``) with HiGHS ``options`` in
    a child process; end the child ``GRACE_S`` after ``deadline`` (a ``time.perf_counter()``
    reading) if it has not answered, keeping the best plan and bound it reported."""
    context = mp.get_context("spawn")  # a fork would inherit HiGHS's threads in a broken state
    parent, child = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(child, arrays, options, os.getpid()), daemon=True
    )
    process.start()
    child.close()
    plan: tuple[float, np.ndarray] | None = None
    bound: float | None = None
    try:
        while True:
            wait = deadline + GRACE_S - time.perf_counter()
            if wait <= 0 or not parent.poll(wait):
                break
            try:
                message = parent.recv()
            except EOFError:  # the child ended without an answer (crashed)
                break
            if message[0] == "plan":
                if plan is None or message[1] < plan[0]:
                    plan = (message[1], message[2])
            elif message[0] == "bound":
                bound = message[1]
            else:
                _, status, objective, final_bound, values = message
                return ChildAnswer(status, objective, final_bound, values, False)
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        parent.close()
    objective, values = plan if plan is not None else (None, None)
    return ChildAnswer(None, objective, bound, values, time.perf_counter() >= deadline)
