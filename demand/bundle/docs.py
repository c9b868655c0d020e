"""The data reference (docs/data.md), generated from the schemas so the two never disagree."""

from __future__ import annotations

from demand.bundle.outputs import PLAN_SCHEMAS, UNITS
from demand.bundle.schemas import SCHEMAS, BundleFormat

HEADER = """# civicalloc data reference

<!-- Generated from demand/bundle/schemas.py and outputs.py by `civicalloc data-docs --out
     docs/data.md`. Do not edit by hand: a test fails when this file is stale. -->

A **city bundle** holds the inputs of every model. Check one with `civicalloc validate PATH`;
write the sample city with `civicalloc sample-city --out DIR` to see a complete example.
"""


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|")


def data_reference() -> str:
    """The data reference as Markdown."""
    parts = [HEADER, "## Layout\n"]
    parts += [f"- {note}" for note in BundleFormat().notes]
    parts.append(
        "\nIds are text. Counts are aggregated (never personal records). Every problem found "
        "is reported with its file, row and column; rows are never dropped silently.\n"
    )
    for schema in SCHEMAS.values():
        need = "required" if schema.required else "optional"
        kind = f", spatial ({schema.geometry})" if schema.geometry else ""
        parts.append(f"## `{schema.name}` ({need}{kind})\n\n{schema.description}\n")
        parts.append(f"Key (unique): `{', '.join(schema.key)}`.\n")
        parts.append("| column | type | unit | required | rule | description |")
        parts.append("| --- | --- | --- | --- | --- | --- |")
        for col in schema.columns:
            rules = []
            if col.minimum is not None:
                rules.append(f"≥ {col.minimum:g}")
            if col.allowed:
                rules.append("one of " + ", ".join(f"`{a}`" for a in col.allowed if a))
            if col.references:
                rules.append(f"in `{col.references}`")
            if col.pattern:
                rules.append(f"matches `{col.pattern}`")
            if not col.required and col.default not in (None, ""):
                rules.append(f"default {col.default}")
            parts.append(
                f"| `{col.name}` | {col.dtype} | {_cell(col.unit)} | "
                f"{'yes' if col.required else 'no'} | {_cell('; '.join(rules))} | "
                f"{_cell(col.description)} |"
            )
        if schema.extra:
            parts.append(f"\n{schema.extra}")
        parts.append("")
    parts += plan_reference()
    return "\n".join(parts).rstrip() + "\n"


PLANS_HEADER = """# Plans (what the models write)

Every plan a model writes, as a run stores it (`civicalloc export`), as the commands write it
(`--out`), and as the app shows it, with each column's unit, meaning and label in English and
Chinese. `{level}` in a name stands for `primary` or `middle`; `{model}` and `{level}` in a
column name for a forecasting model and an interval level (80, 95). Values in units marked
*people* are counts of people: counts under the small-cell threshold (10) are shown as `<10`.
"""


def plan_reference() -> list[str]:
    """The plans' part of the reference, one section per plan."""
    parts = [PLANS_HEADER]
    for plan in PLAN_SCHEMAS.values():
        parts.append(f"## `{plan.name}` ({plan.model}): {plan.en} / {plan.zh}\n")
        parts.append(f"One row per {plan.row}.\n")
        parts.append("| column | unit | meaning | label (en) | label (zh-CN) |")
        parts.append("| --- | --- | --- | --- | --- |")
        for col in plan.columns:
            unit = UNITS[col.unit]
            shown = col.unit + (" (people)" if unit.counts_people else "")
            parts.append(
                f"| `{_cell(col.name)}` | {_cell(shown)} | {_cell(col.meaning)} | "
                f"{_cell(col.en)} | {_cell(col.zh)} |"
            )
        parts.append("")
    return parts
