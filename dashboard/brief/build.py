"""A whole brief from the store: title, each bureau's part, early warnings, the data behind it,
and the annex of figure sources."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy.engine import Engine

from dashboard.brief.bureau import bureau_part
from dashboard.brief.document import (
    Block,
    Brief,
    Figure,
    Heading,
    Paragraph,
    Part,
    Picture,
    Table,
    lang_code,
)
from dashboard.brief.facts import StoredRun, audit_brief, open_for_brief
from dashboard.brief.texts import LEVER_BUREAUS, LEVER_NAMES, LEVER_UNITS, SEVERITIES
from dashboard.brief.writer import Writer, dig, label

MAX_NOTICES = 3
MAX_WARNINGS = 8  # a brief lists the most severe; the app lists all
#: Alerts most severe first.
SEVERITY_ORDER = ("critical", "warning", "info")


def build_brief(
    engine: Engine,
    run_ref: str,
    against: str | None = None,
    bureau: str | None = None,
    lang: str = "zh-CN",
    role: str = "admin",
    username: str = "cli",
    detail: str = "",
    maps: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Brief:
    """The brief of run `run_ref` (against run `against`) for `bureau` (default: the user's,
    or every bureau the run has for admin), as a user of `role` may read it; audited.
    `progress` is told what is being done (for a status line)."""
    tell = progress or (lambda message: None)
    code = lang_code(lang)
    tell("opening the runs")
    run, other, bureaus = open_for_brief(engine, role, username, run_ref, against, bureau, detail)
    runs = [run] + ([other] if other else [])
    threshold = max(r.scenario.rules.small_cell_threshold for r in runs)
    w = Writer(code, threshold)
    who = w.t(bureaus[0]) if len(bureaus) == 1 else w.say("all_bureaus")[0]
    brief = Brief(code, "".join(p if isinstance(p, str) else p.text for p in w.say(
        "title_of", bureau=who, run=label(run.name))))  # fmt: skip
    brief.add(Heading(w.say("title_of", bureau=who, run=label(run.name)), 1))
    brief.add(Paragraph(subtitle(w, run, other), "note"))
    brief.add(Paragraph(w.say("prepared_for", who=who) + [" "] + w.say(
        "small_cells", threshold=w.threshold_of(runs)),
        "note"))  # fmt: skip
    if not bool(run.row.get("complete", True)):
        brief.add(Paragraph(w.say("run_incomplete"), "headline"))
    for b in bureaus:
        tell(f"{b}: figures and maps")
        for block in bureau_part(w, run, other, b, maps=maps):
            brief.add(block)
    tell("early warnings, data quality")
    for block in warnings_part(w, engine, bureaus):
        brief.add(block)
    for block in data_part(w, run, other, bureaus):
        brief.add(block)
    shown = used_figures(brief.blocks, w.figures.items)
    for block in annex(w, shown):
        brief.add(block)
    brief.figures = shown
    brief.meta = {"run_id": run.run_id, "against": other.run_id if other else None,
                  "bureaus": bureaus, "lang": lang, "role": role, "user": username,
                  "written": datetime.now(UTC).isoformat(timespec="seconds")}  # fmt: skip
    audit_brief(engine, username, run, other, bureaus, detail)
    return brief


def when(run: StoredRun) -> Part:
    """The run's time as stored (UTC, to the minute)."""
    return label(f"{pd.Timestamp(run.row['created_at']):%Y-%m-%d %H:%M} UTC", "date")


def subtitle(w: Writer, run: StoredRun, other: StoredRun | None) -> list[Part]:
    """Which run the brief is of (and against), with ids and time."""
    if other is None:
        return w.say("subtitle_alone", run=label(run.name), run_id=label(run.short, "id"),
                     when=when(run))  # fmt: skip
    return w.say("subtitle", run=label(run.name), run_id=label(run.short, "id"), when=when(run),
                 other=label(other.name), other_id=label(other.short, "id"))  # fmt: skip


# --- early warnings ---------------------------------------------------------------------------


def warnings_part(w: Writer, engine: Engine, bureaus: list[str]) -> list[Block]:
    """The early warnings open for each bureau of the brief (the alert store's
    ``open_alerts``), most severe first, or that there are none."""
    from scenarios.alerts.store import open_alerts

    blocks: list[Block] = [Heading(w.say("warnings"), 2)]
    for bureau in bureaus:
        found = open_alerts(engine, bureau)
        if found.empty:
            blocks.append(Paragraph(w.say("warnings_none", bureau=w.t(bureau)), "body"))
            continue
        rank = found["severity"].map({s: i for i, s in enumerate(SEVERITY_ORDER)}).fillna(9)
        found = found.assign(rank=rank).sort_values(["rank", "ds"], ascending=[True, False],
                                                    kind="stable")  # fmt: skip
        if len(bureaus) > 1:
            blocks.append(Heading([w.t(bureau)], 3))
        for a in found.head(MAX_WARNINGS).to_dict("records"):
            blocks.append(Paragraph(warning_sentence(w, a), "bullet"))
        if len(found) > MAX_WARNINGS:
            blocks.append(Paragraph(w.say("warnings_more"), "note"))
    return blocks


def warning_sentence(w: Writer, a: dict) -> list[Part]:
    """One stored alert in the brief's language, each of its numbers a figure of the store."""
    aid, unit = str(a["alert_id"]), str(a.get("unit") or "")
    detail = json.loads(a.get("detail_json") or "{}")
    facility = a.get("facility_id")
    subject = str(a.get("subject") or "")
    where = (w.say("warning_at", facility=label(facility, "id"))
             if isinstance(facility, str) and facility and facility != subject else [])  # fmt: skip
    gaps = {
        "what": label(w.kpi_label(subject) if a.get("run_id") else subject),
        "observed": w.alert(aid, "observed", a.get("observed"), unit),
        "threshold": w.alert(aid, "threshold", a.get("threshold"), unit),
        "severity": w.word(SEVERITIES, str(a.get("severity"))),
    }
    ds = pd.Timestamp(a["ds"]) if a.get("ds") is not None and pd.notna(a["ds"]) else None
    if a.get("kind") == "breach":
        by = pd.Timestamp(detail["by_ds"]) if detail.get("by_ds") else None
        # seats and specialist sessions are forecast a year at a time: 2027, not "2027-01"
        yearly = str(a.get("key", "")).split("|")[1:2] in (["school"], ["sessions"])
        period = "%Y" if yearly else "%Y-%m"
        return w.say("warning_breach", where=where, **gaps,
                     when=label(f"{ds:{period}}" if ds is not None else "—", "date"),
                     by=label(f"{by:{period}}" if by is not None else "—", "date"),
                     probability=w.alert(aid, "score", a.get("score"), "share"))  # fmt: skip
    when = label(f"{ds:%Y-%m-%d}" if ds is not None else "—", "date")
    if a.get("kind") == "rule":
        return w.say("warning_rule", when=when, rule=label(detail.get("rule", "")), **gaps)
    return w.say("warning_surveillance", when=when, where=where, **gaps,
                 expected=w.alert(aid, "expected", a.get("expected"), unit),
                 method=label(str(a.get("method") or ""), "id"))  # fmt: skip


# --- data and reproducibility -----------------------------------------------------------------


def data_part(w: Writer, run: StoredRun, other: StoredRun | None,
              bureaus: list[str]) -> list[Block]:  # fmt: skip
    """The bundle and its quality, the levers, and each run's id, time, code and inputs."""
    blocks: list[Block] = [Heading(w.say("data"), 2)]
    city = run.scenario.city
    blocks.append(Paragraph(w.say("bundle", city=label(city, "id")), "body"))
    if _bundle_changed(run):
        blocks.append(Paragraph(w.say("bundle_changed"), "note"))
    blocks += quality_blocks(w, city, run.scope.sees, run)
    blocks += lever_blocks(w, run, bureaus)
    for stored in [run] + ([other] if other else []):
        blocks.append(Paragraph(w.say(
            "run_facts", run_id=label(stored.run_id, "id"), when=when(stored),
            who=label(stored.row["created_by"]), code=label(stored.row["code_version"], "id"),
            fingerprint=label(stored.row["inputs_fingerprint"][:16], "id")), "note"))  # fmt: skip
    blocks.append(Paragraph(w.say("reproduce"), "note"))
    return blocks


def _bundle_changed(run: StoredRun) -> bool:
    return run.city_now.fingerprint != run.row["inputs_fingerprint"]


def quality_blocks(w: Writer, city: str, sees: Callable[[str], bool],
                   run: StoredRun | None = None) -> list[Block]:  # fmt: skip
    """The city's data-quality scores and its main notices (the data-quality report: the
    run's cached one, else ``city_quality``), without the checks of another bureau's figures
    (`sees`: the reader's `Scope.sees`)."""
    from demand.errors import InputError
    from scenarios.quality_report import city_quality, report_for

    try:
        full = city_quality(city) if run is None else run.city.quality
        if full is None:
            raise ValueError(run.city.quality_error)
        report = report_for(full, sees)
    except (InputError, OSError, ValueError, TypeError, KeyError) as exc:
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return [Paragraph(w.say("quality_unknown", why=label(why, "note")), "note")]
    scores = []
    for table, info in report.get("tables", {}).items():
        score = w.quality(city, f"tables.{table}.score", info.get("score"), bare=True)
        scores.append([label(table, "id"), " ", score])
    joined: list[Part] = []
    for i, part in enumerate(scores):
        joined += (w.say("list_sep") if i else []) + part
    errors = w.quality(city, "errors", report.get("errors", 0), bare=True)
    warned = w.quality(city, "warnings", report.get("warnings", 0), bare=True)
    blocks: list[Block] = [Paragraph(w.say("quality", scores=joined or [w.say("none")[0]],
                                           errors=errors, warnings=warned), "body")]  # fmt: skip
    order = ("error", "warning", "notice")
    # numbered as in the whole report, which the figures' sources name
    findings = [(full["findings"].index(f), f) for f in report.get("findings", [])
                if f.get("severity") in order and f.get("count")]  # fmt: skip
    findings.sort(key=lambda found: order.index(found[1]["severity"]))
    if findings:
        blocks.append(Paragraph(w.say("notices"), "note"))
        for i, f in findings[:MAX_NOTICES]:
            count = w.quality(city, f"findings.{i}.count", f.get("count"), bare=True)
            blocks.append(Paragraph(w.say(
                "notice", severity=w.word(SEVERITIES, str(f.get("severity"))),
                table=label(_table_name(f.get("table", ""), w.lang), "id"),
                check=label(_check_name(f, w.lang), "note"), count=count), "note"))  # fmt: skip
    return blocks


def _check_name(finding: dict, lang: str) -> str:
    """A data-quality check's name as the quality report writes it in `lang`."""
    from scenarios.quality_report import CHECK_ZH

    title = str(finding.get("title", ""))
    return CHECK_ZH.get(str(finding.get("check")), title) if lang == "zh" else title


def _table_name(table: str, lang: str) -> str:
    """A bundle table's name (checks across tables: "across", 跨表)."""
    return "跨表" if lang == "zh" and table == "across" else str(table)


def lever_blocks(w: Writer, run: StoredRun, bureaus: list[str]) -> list[Block]:
    """The scenario's levers that concern the brief's bureaus: rules, budgets, facilities opened
    or closed, population shocks."""
    from dashboard.data import SERVICE_KINDS

    data = run.scenario_data
    rows = []
    for path, names in LEVER_NAMES.items():
        if dig(data, path) is None or LEVER_BUREAUS.get(path, bureaus[0]) not in bureaus:
            continue
        figure = w.scenario(run, path, LEVER_UNITS.get(path, ""))
        rows.append([[names[w.lang]], [figure]])
    kinds = {kind for bureau in bureaus for kind in SERVICE_KINDS.get(bureau, ())}
    for i, change in enumerate(data.get("facilities") or []):
        if change.get("kind") and change["kind"] not in kinds:
            continue
        action = w.say(change.get("action", "open"))[0]
        rows.append([w.say("facility_change", action=action,
                           facility=label(change.get("facility_id", ""), "id"),
                           name=label(change.get("name") or "—"),
                           area=label(change.get("area_id") or "—", "id")),
                     _capacity_parts(w, run, i, change)])  # fmt: skip
    for i, shock in enumerate(data.get("population_shocks") or []):
        households = w.scenario(run, f"population_shocks.{i}.households_per_year", "", bare=True)
        year = w.scenario(run, f"population_shocks.{i}.from_year", "year", bare=True)
        rows.append(
            [
                w.say(
                    "shock",
                    year=year,
                    area=label(shock.get("area_id", ""), "id"),
                    households=households,
                ),
                [label(shock.get("profile", ""), "id")],
            ]
        )
    if not rows:
        return []
    return [Heading(w.say("levers"), 3), Table([w.say("lever"), w.say("value")], rows, (1,))]


def _capacity_parts(w: Writer, run: StoredRun, i: int, change: dict) -> list[Part]:
    """A facility change's capacities ("beds:icu 40, …"), each a figure of the scenario."""
    parts: list[Part] = []
    for key in change.get("capacity") or {}:
        unit = key.split(":")[0]
        figure = w.scenario(run, f"facilities.{i}.capacity.{key}", unit, bare=True)
        parts += (w.say("list_sep") if parts else []) + [label(key, "id"), " ", figure]
    return parts or [label("—", "id")]


# --- annex --------------------------------------------------------------------------------------


def used_figures(blocks: list[Block], made: list[Figure]) -> list[Figure]:
    """The figures the blocks show, and the figures those are derived from, in key order."""
    by_key = {f.key: f for f in made}
    keys: set[str] = set()

    def visit(parts) -> None:
        for part in parts:
            if isinstance(part, Figure) and part.key not in keys:
                keys.add(part.key)
                if part.source.startswith("calc|"):
                    visit([by_key[k] for k in part.source.split("|")[2:] if k in by_key])

    for block in blocks:
        if isinstance(block, Table):
            for cell in [*block.header, *(c for row in block.rows for c in row)]:
                visit(cell)
        elif isinstance(block, Picture):
            visit(block.caption)
        else:
            visit(block.parts)
    return [f for f in made if f.key in keys]


def annex(w: Writer, figures: list[Figure]) -> list[Block]:
    """Every figure of the brief: key, text shown, source (the form docs/briefs.md explains)."""
    rows = [[[label(f.key, "id")], [f], [label(f.source, "source")]] for f in figures]
    return [
        Heading(w.say("annex"), 2),
        Paragraph(w.say("annex_intro"), "note"),
        Table([w.say("key"), w.say("shown"), w.say("source")], rows, role="annex"),
    ]
