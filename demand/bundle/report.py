"""The validation report: problems found in a bundle, each naming file, rows, column and fix."""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR, WARNING, NOTICE = "error", "warning", "notice"
MAX_ROWS_SHOWN = 5


@dataclass
class Problem:
    """One kind of problem in one column of one file, with every row it affects."""

    severity: str  # error | warning | notice
    file: str
    message: str  # what is wrong and what to do
    column: str | None = None
    rows: list[str] = field(
        default_factory=list
    )  # user-facing positions, e.g. "row 4" (header = row 1)

    def line(self) -> str:
        """The problem as one line of text."""
        where = [self.file]
        if self.rows:
            shown = ", ".join(self.rows[:MAX_ROWS_SHOWN])
            more = len(self.rows) - MAX_ROWS_SHOWN
            label = "row" if len(self.rows) == 1 else "rows"
            shown = shown.replace("row ", "") if len(self.rows) > 1 else shown.removeprefix("row ")
            where.append(f"{label} {shown}" + (f" (+{more} more)" if more > 0 else ""))
        if self.column:
            where.append(f"column {self.column}")
        return f"{self.severity.upper()} {', '.join(where)}: {self.message}"


@dataclass
class Report:
    """Everything validation found; errors stop a bundle from loading, warnings do not."""

    problems: list[Problem] = field(default_factory=list)

    def add(
        self,
        severity: str,
        file: str,
        message: str,
        column: str | None = None,
        rows: list[str] | None = None,
    ) -> None:
        """Record a problem."""
        self.problems.append(Problem(severity, file, message, column, list(rows or [])))

    @property
    def errors(self) -> list[Problem]:
        """Problems that must be fixed before the bundle can be used."""
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth a look that do not stop the bundle loading."""
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        """True when the bundle has no errors."""
        return not self.errors

    def lines(self) -> list[str]:
        """One line per problem: errors first, then warnings, then notices."""
        order = {ERROR: 0, WARNING: 1, NOTICE: 2}
        return [p.line() for p in sorted(self.problems, key=lambda p: order[p.severity])]

    def __str__(self) -> str:
        return "\n".join(self.lines())
