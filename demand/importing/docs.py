"""The generated part of docs/import.md: mapping keys and presets, read from the code."""

from __future__ import annotations

from demand.importing import presets
from demand.importing.mapping import BUNDLE_KEYS, SOURCE_KEYS

BEGIN = "<!-- generated: civicalloc import reference (demand/importing/docs.py) -->"
END = "<!-- end generated -->"


def _pairs(mapping: dict, first: str, second: str) -> list[str]:
    lines = [f"| {first} | {second} |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in mapping.items()]
    return lines


def import_reference() -> str:
    """Markdown listing every mapping key and every preset entry."""
    out = [BEGIN, "", "### Keys of a source", ""]
    out += _pairs(SOURCE_KEYS, "key", "meaning")
    out += ["", "`[bundle]` keys: " + ", ".join(f"`{k}`" for k in sorted(BUNDLE_KEYS)) + ".", ""]
    out += ['### Header presets (`preset = "zh"`, the default)', ""]
    for table, headers in presets.HEADERS.items():
        fields: dict[str, list[str]] = {}
        for header, fld in headers.items():
            fields.setdefault(fld, []).append(header)
        out += [f"**{table}**", "", "| field | headers |", "| --- | --- |"]
        out += [f"| {f} | {', '.join(h)} |" for f, h in fields.items()]
        out.append("")
    out += ["Wide census headers: a sex (男/女/男性/女性/M/F) and an age band in one header "
            "(`男0-4岁`) or in two merged rows (`男|0-4岁`); bands as `0-4岁`, `0～4岁`, `0 - 4`, "
            "`85岁及以上`, `85岁以上`, `85+`.", ""]  # fmt: skip
    out += ["### Value presets", ""]
    out += _pairs(presets.SEX, "value", "sex")
    out += [""] + _pairs(presets.KINDS, "value", "kind")
    out += [""] + _pairs({k: f"beds:{v} / specialist:{v}" for k, v in presets.DEPARTMENTS.items()},
                         "department", "resource / role")  # fmt: skip
    out += [""] + _pairs({k: f"teacher:{v}" for k, v in presets.SUBJECTS.items()}, "subject",
                         "role")  # fmt: skip
    out += [""] + _pairs({k: f"seats:grade_{g}" for k, g in presets.GRADES.items()}, "grade",
                         "resource")  # fmt: skip
    out += ["", "### Units", ""]
    out += _pairs(
        {k: f"{v:g}" for k, v in presets.UNITS.items()}, "unit", "× (to persons or units)"
    )
    out += ["", "### Totals rows", "", "Rows whose label cell reads one of: "
            + ", ".join(sorted(presets.TOTALS)) + " (spaces ignored).", "", END]  # fmt: skip
    return "\n".join(out)


def refresh(path: str = "docs/import.md") -> None:
    """Rewrite the generated part of docs/import.md in place."""
    from pathlib import Path

    doc = Path(path)
    text = doc.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    doc.write_text(text[:start] + import_reference() + text[end:], encoding="utf-8")


if __name__ == "__main__":
    refresh()
