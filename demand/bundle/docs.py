"""The data reference (docs/data.md), generated from the schemas so the two never disagree."""

from __future__ import annotations

from demand.bundle.schemas import SCHEMAS, BundleFormat

HEADER = """# civicalloc data reference

<!-- Generated from demand/bundle/schemas.py by `civicalloc data-docs --out docs/data.md`.
     Do not edit by hand: a test fails when this file is stale. -->

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
    return "\n".join(parts).rstrip() + "\n"
