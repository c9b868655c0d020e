"""One time budget per run: a deadline made once and handed to every solve, each taking what is
left of it.

A model run may solve many times (a rounded start's LPs, the search, an elastic re-solve's two
phases, one model per specialty, a repair). ``SolverOptions.time_limit_s`` is the limit of the
whole run: the entry point makes ``Deadline.after(options.time_limit_s)`` once, before building
the model, and every solve below it takes ``deadline.left()``. No solve computes its own budget.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

#: A solve that starts at or past the deadline still gets this long to report the plan it has.
FLOOR_S = 1.0


@dataclass(frozen=True)
class Deadline:
    """The end of a run's time budget.

    at       ``time.perf_counter()`` reading when the budget ends; None = no limit.
    limit_s  the whole budget in seconds, as asked (for messages); None = no limit.
    """

    at: float | None = None
    limit_s: float | None = None

    @classmethod
    def after(cls, seconds: float | None) -> Deadline:
        """A deadline ``seconds`` from now (None = no limit)."""
        if seconds is None:
            return cls()
        return cls(time.perf_counter() + float(seconds), float(seconds))

    @property
    def limited(self) -> bool:
        """True when there is a time limit."""
        return self.at is not None

    def left(self, floor_s: float = FLOOR_S) -> float | None:
        """Seconds until the deadline, never below ``floor_s`` (None = no limit)."""
        if self.at is None:
            return None
        return max(floor_s, self.at - time.perf_counter())

    def spent(self) -> float:
        """Seconds since the budget started (0 when there is no limit)."""
        if self.at is None or self.limit_s is None:
            return 0.0
        return time.perf_counter() - (self.at - self.limit_s)

    @property
    def passed(self) -> bool:
        """True when the deadline has passed."""
        return self.at is not None and time.perf_counter() >= self.at

    def sooner(self, seconds: float | None) -> Deadline:
        """This deadline, or one ``seconds`` from now if that comes first (a step's own cap)."""
        if seconds is None:
            return self
        other = time.perf_counter() + float(seconds)
        if self.at is not None and self.at <= other:
            return self
        return Deadline(other, float(seconds))


#: No time limit.
NO_DEADLINE = Deadline()
