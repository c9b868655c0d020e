"""One bureau's part of a brief: the headline, where need outruns supply, what the plan changes
(maps, key figures, the comparison), and how sure the figures are.

Sentences are built only from the stored run(s) through a ``Writer``: a sentence whose figures
the run lacks (a model that found no plan, a plan the reader may not see) is left out, and a
model without a plan is named instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.brief.document import (
    Block,
    Figure,
    Heading,
    Paragraph,
    Part,
    Picture,
    Table,
    plain_text,
)
from dashboard.brief.facts import LINES, SCHOOL_LEVELS, StoredRun, model_service
from dashboard.brief.maps import area_outlines, area_png, facility_points
from dashboard.brief.texts import (
    BENEFITS,
    GROUPS,
    LEVELS,
    MODELS,
    RULES,
    STATUSES,
    SUBJECTS,
)
from dashboard.brief.values import keep, unmet_need
from dashboard.brief.writer import Writer, label
from dashboard.data import SERVICE_KINDS
from dashboard.i18n import note_text, unit_title
from demand.bundle.outputs import NEED_UNIT_OF_LINE, column_label
from scenarios.privacy import drawable, is_hidden, suppress, suppress_difference

ACCESS = "access_by_area"
TOP_DISTRICTS = 3


@dataclass
class LineGap:
    """How far need outruns supply on one service line in one run (figures and per-area values)."""

    run: StoredRun
    line: str
    unit: str
    need: Figure
    unmet: Figure
    share: Figure | None
    areas: Figure
    all_areas: Figure
    persons: Figure | None
    districts: list[str]
    per_area: pd.Series  # unmet need by area_id

    @property
    def unmet_share(self) -> float:
        """Unmet per unit of need (0 when there is no need)."""
        return (self.unmet.value or 0.0) / self.need.value if self.need.value else 0.0


def line_gap(w: Writer, run: StoredRun, line: str) -> LineGap | None:
    """The gap of `line` in `run` from its access plan (None when the run has none)."""
    plan = run.plan(ACCESS)
    if plan is None or "service_line" not in plan.columns:
        return None
    rows = plan[plan["service_line"] == line]
    if rows.empty:
        return None
    unit = NEED_UNIT_OF_LINE.get(line, "need units")
    base = f"service_line={line}"
    short = f"{base};access<1;need>0"
    need = w.plan(run, ACCESS, "sum", "need", base, unit)
    unmet = w.plan(run, ACCESS, "sum", "unmet_need", base, unit)
    per_area = pd.Series(unmet_need(rows).to_numpy(), index=rows["area_id"].to_numpy())
    names = run.city.areas[["area_id", "district"]].set_index("area_id")
    short_rows = keep(rows, "access<1;need>0")
    by_district = (
        pd.Series(unmet_need(short_rows).to_numpy(), index=short_rows["area_id"].to_numpy())
        .groupby(names["district"].reindex(short_rows["area_id"]).to_numpy())
        .sum()
        .sort_values(ascending=False)
    )
    return LineGap(
        run=run,
        line=line,
        unit=unit,
        need=need,
        unmet=unmet,
        share=w.calc("ratio", unmet, need),
        areas=w.plan(run, ACCESS, "count", "area_id", short, "areas", bare=True),
        all_areas=w.plan(run, ACCESS, "count", "area_id", base, "areas", bare=True),
        persons=w.plan(run, ACCESS, "sum", "persons", short, "persons", bare=True)
        if "persons" in rows.columns
        else None,
        districts=[str(d) for d in by_district.index[:TOP_DISTRICTS] if str(d)],
        per_area=per_area,
    )


def main_line(gaps: dict[str, LineGap], before: dict[str, LineGap]) -> str | None:
    """The line the headline leads with: the one the plan changes most against the other run,
    else the one with the largest share of its need unmet."""
    if not gaps:
        return None
    if before:
        return max(before, key=lambda line: abs(before[line].unmet_share
                                                - gaps[line].unmet_share))  # fmt: skip
    return max(gaps, key=lambda line: gaps[line].unmet_share)


def gap_sentences(w: Writer, gap: LineGap, year: Figure) -> list[Part]:
    """Where and how far need outruns supply on a line, and who lives there."""
    line = w.line(gap.line)
    run = label(gap.run.name)
    if not gap.areas.value:
        return w.say("gap_none", year=year, run=run, line=line)
    parts = w.say("gap_line", year=year, run=run, line=line, areas=gap.areas,
                  all_areas=gap.all_areas, unmet=gap.unmet, share=gap.share)  # fmt: skip
    if gap.districts and gap.persons is not None:
        districts = w.join([label(d) for d in gap.districts])
        parts = w.sentences(parts, w.say("gap_where", districts=districts, persons=gap.persons,
                       group=w.word(GROUPS, gap.line)))  # fmt: skip
    return parts


def change_sentence(w: Writer, before: LineGap, after: LineGap) -> list[Part]:
    """How the run changes the unmet need of a line against the other run."""
    line = w.line(after.line)
    names = {"run": label(after.run.name), "other": label(before.run.name), "line": line}
    a = w.figures.add(before.unmet.value, before.unit, before.unmet.source)
    b = w.figures.add(after.unmet.value, after.unit, after.unmet.source)
    if round(a.value or 0) == round(b.value or 0):
        return w.say("gap_same", after=b, **names)
    same_areas = before.areas.value == after.areas.value
    counts = {} if same_areas else {"areas_before": before.areas, "areas_after": after.areas}
    key = "gap_falls" if (b.value or 0) < (a.value or 0) else "gap_rises"
    if key == "gap_falls":
        counts["drop"] = w.calc("drop", a, b)
    return w.say(key + ("_same_areas" if same_areas else ""), before=a, after=b, **counts, **names)


def reach_sentence(w: Writer, run: StoredRun, other: StoredRun | None, service: str,
                   line: str) -> list[Part]:  # fmt: skip
    """How many of the line's residents live beyond the fixed travel time of the KPIs."""
    kpi = next((k for k in run.kpis["kpi"] if k.startswith(f"{line}: share beyond 30")), None)
    if kpi is None:
        return []
    minutes = w.number_in_kpi_name(run, service, kpi, "minutes")
    group, name = w.word(GROUPS, line), w.line(line)
    if other is not None and other.kpi(service, kpi) is not None:
        before, after = w.kpi(other, service, kpi), w.kpi(run, service, kpi)
        if (before.value or 0) == 0 and (after.value or 0) == 0:
            return []
        return w.say("reach_change", line=name, minutes=minutes, group=group, before=before,
                     after=after)  # fmt: skip
    share = w.kpi(run, service, kpi)
    persons = w.kpi(run, service, kpi.replace("share beyond", "persons beyond"), bare=True)
    if share is None or not share.value or persons is None:
        return []
    return w.say("reach", line=name, minutes=minutes, group=group, share=share, persons=persons)


# --- what each model changes ---------------------------------------------------------------------


def beds_sentences(w: Writer, run: StoredRun) -> list[list[Part]]:
    """The bed plan: beds moved, patients turned away before and after, where beds go."""
    moved = w.kpi(run, "health", "beds moved or added")
    before = w.kpi(run, "health", "patients turned away a year, today's beds", bare=True)
    after = w.kpi(run, "health", "patients turned away a year, planned beds", bare=True)
    out = []
    if moved is not None and before is not None and after is not None:
        out.append(w.say("beds", beds=moved, before=before, after=after,
                         drop=w.calc("drop", before, after)))  # fmt: skip
    hospitals = run.plan("beds_hospitals")
    if hospitals is not None and len(hospitals):
        gone = hospitals.loc[hospitals["beds_after"] < hospitals["beds_before"], "hospital_id"]
        came = hospitals.loc[hospitals["beds_after"] > hospitals["beds_before"], "hospital_id"]
        if len(gone) and len(came):
            out.append(w.say("beds_where", out=w.join([label(h, "id") for h in gone]),
                             into=w.join([label(h, "id") for h in came])))  # fmt: skip
    short = w.kpi(run, "health", "beds short of need at target occupancy")
    if short is not None and short.value:
        out.append(w.say("beds_short", short=short))
    return out


def outreach_sentences(w: Writer, run: StoredRun) -> list[list[Part]]:
    """Specialist outreach: sessions, hospitals and centres, visits still unmet."""
    sessions = w.kpi(run, "health", "outreach sessions per week")
    unmet = w.kpi(run, "health", "specialist visits unmet near home")
    hospitals = w.plan(run, "outreach_schedule", "nunique", "hospital_id", "sessions>0",
                       "", bare=True)  # fmt: skip
    centres = w.plan(run, "outreach_schedule", "nunique", "centre_id", "sessions>0", "",
                     bare=True)  # fmt: skip
    if None in (sessions, unmet, hospitals, centres):
        return []
    return [w.say("outreach", hospitals=hospitals, centres=centres, sessions=sessions,
                  unmet=unmet)]  # fmt: skip


def district_sentences(w: Writer, run: StoredRun) -> list[list[Part]]:
    """Redrawn districts per school level: pupils above capacity, pupils moved, travel."""
    out = []
    for level in SCHOOL_LEVELS:
        get = {k: w.kpi(run, "education", f"{level}: {k}") for k in (
            "pupils above capacity today", "pupils above capacity", "pupils reassigned",
            "share of pupils reassigned", "average travel today", "average travel")}  # fmt: skip
        if None in get.values():
            continue
        out.append(w.say(
            "districts", level=w.word(LEVELS, level), before=get["pupils above capacity today"],
            after=get["pupils above capacity"], moved=get["pupils reassigned"],
            share=get["share of pupils reassigned"], t_before=get["average travel today"],
            t_after=get["average travel"]))  # fmt: skip
    return out


def teacher_sentences(w: Writer, run: StoredRun) -> list[list[Part]]:
    """Teachers moved and still short per level, and the subjects short most."""
    out = []
    for level in SCHOOL_LEVELS:
        moved = w.kpi(run, "education", f"{level}: teachers moved")
        short = w.kpi(run, "education", f"{level}: teachers short city-wide")
        subjects = run.plan(f"teacher_subjects_{level}")
        if moved is None or short is None or subjects is None or not short.value:
            continue
        top = subjects.sort_values("city_shortage", ascending=False)
        top = top[top["city_shortage"] > 0]["subject"].head(2)
        names = w.join([w.word(SUBJECTS, s) for s in top]) or [w.say("none")[0]]
        out.append(w.say("teachers", level=w.word(LEVELS, level), moved=moved, short=short,
                         subjects=names))  # fmt: skip
    return out


def school_peak_sentences(w: Writer, run: StoredRun) -> list[list[Part]]:
    """The year school places are tightest, from the enrolment forecast."""
    year = w.kpi(run, "education", "worst year for school places", bare=True)
    seats = w.kpi(run, "education", "seats short in the worst year")
    schools = w.kpi(run, "education", "schools over capacity in the worst year")
    if None in (year, seats, schools) or not seats.value:
        return []
    return [w.say("school_peak", year=year, seats=seats, schools=schools)]


def staffing_sentences(w: Writer, run: StoredRun) -> list[list[Part]]:
    """Caseworker posting: service level before and after, caseworkers moved, months missed."""
    before = w.kpi(run, "social_security", "service level, today's posting")
    after = w.kpi(run, "social_security", "service level, planned posting")
    moved = w.kpi(run, "social_security", "caseworkers moved or hired (monthly average)")
    months = w.kpi(run, "social_security", "centre-months below target")
    if None in (before, after, moved, months):
        return []
    minutes = w.scenario(run, "rules.service_level_minutes", "minutes", bare=True)
    target = w.scenario(run, "rules.service_level_target", "share")
    return [w.say("staffing", minutes=minutes, target=target, before=before, after=after,
                  moved=moved, months=months)]  # fmt: skip


def caseload_sentences(w: Writer, run: StoredRun, year: Figure) -> list[list[Part]]:
    """The caseload forecast of the planning year."""
    cases = w.kpi(run, "social_security", "cases per month in the planning year (forecast)")
    return [] if cases is None else [w.say("caseload", year=year, cases=cases)]


#: What each bureau's models change, in the order the brief tells it (the first leads).
MODEL_SENTENCES = {
    "health": (beds_sentences, outreach_sentences),
    "education": (district_sentences, teacher_sentences, school_peak_sentences),
    "social_security": (staffing_sentences,),
}


# --- the part -------------------------------------------------------------------------------------


def bureau_part(w: Writer, run: StoredRun, other: StoredRun | None, bureau: str,
                maps: bool = True) -> list[Block]:  # fmt: skip
    """A bureau's headline, what the plan changes, maps, key figures and how sure we are."""
    blocks: list[Block] = [Heading([w.t(bureau)], 2)]
    has_kpis = (run.kpis["service"] == bureau).any()
    missing = [m for m in run.models.itertuples()
               if not m.has_plan and model_service(m.model) in (bureau, None)]  # fmt: skip
    if not has_kpis and not missing:
        blocks.append(Paragraph(w.say("no_figures", bureau=w.t(bureau)), "headline"))
        return blocks
    year = w.year(run)
    gaps = {line: line_gap(w, run, line) for line in LINES[bureau]}
    gaps = {line: gap for line, gap in gaps.items() if gap is not None}
    before = {}
    if other is not None:
        before = {line: line_gap(w, other, line) for line in gaps}
        before = {line: gap for line, gap in before.items() if gap is not None}
    main = main_line(gaps, before)

    headline: list[list[Part]] = []
    if main is not None:
        baseline = before.get(main) or gaps[main]
        headline.append(gap_sentences(w, baseline, w.year(baseline.run)))
        if main in before:
            headline.append(change_sentence(w, before[main], gaps[main]))
    told = [sentence for make in MODEL_SENTENCES[bureau] for sentence in make(w, run)]
    if told:
        headline.append(told[0])  # the bureau's main model leads
    for m in missing:
        headline.append(w.say("no_plan", model=w.word(MODELS, m.model),
                              status=w.word(STATUSES, m.status)))  # fmt: skip
    blocks.append(Heading(w.say("headline"), 3))
    blocks.append(Paragraph(w.sentences(*headline), "headline"))

    blocks.append(Heading(w.say("changes"), 3))
    bullets: list[list[Part]] = []
    for line, gap in gaps.items():
        if line != main or other is not None:
            bullets.append(gap_sentences(w, gap, year))
        if line != main and line in before:
            bullets.append(change_sentence(w, before[line], gap))
        reach = reach_sentence(w, run, other, bureau, line)
        if reach:
            bullets.append(reach)
    bullets += told[1:]
    if bureau == "social_security":
        bullets += caseload_sentences(w, run, year)
    blocks += [Paragraph(b, "bullet") for b in bullets if b]
    if maps and main is not None:
        blocks += map_blocks(w, run, other, bureau, main, gaps, before)
    blocks += kpi_table(w, run, other, bureau)
    if bureau == "social_security":
        blocks += staffing_table(w, run)
    blocks += how_sure(w, run, bureau, year)
    return blocks


# --- maps -----------------------------------------------------------------------------------------


def map_blocks(w: Writer, run: StoredRun, other: StoredRun | None, bureau: str, line: str,
               gaps: dict, before: dict) -> list[Block]:  # fmt: skip
    """The gap today (or in the run), and the plan's change: two or three static maps."""
    areas = run.city.areas[["area_id", "geometry"]]
    points = facility_points(run.city_now.facilities, SERVICE_KINDS.get(bureau, ()))
    outlines = area_outlines(areas)  # simplified and traced once for every map
    threshold = w.threshold
    note = w.say("map_hidden", threshold=w.threshold_of([run] + ([other] if other else [])))
    unit_word = _unit_word(w, gaps[line].unit)
    blocks: list[Block] = [Heading(w.say("maps"), 3)]
    shown = [(before.get(line) or gaps[line])]
    if line in before:
        shown.append(gaps[line])
    for gap in shown:
        values, hidden = _drawable(gap.per_area, gap.unit, threshold)
        png = area_png(areas, values, hidden, facilities=points, outlines=outlines)
        caption = w.say("map_gap", run=label(gap.run.name), year=w.year(gap.run),
                        line=w.line(line), unit=unit_word)  # fmt: skip
        blocks.append(Picture(png, caption + [" "] + note, alt=_alt(caption)))
    if line in before:
        old, new = before[line].per_area, gaps[line].per_area
        both = pd.concat([old.rename("a"), new.rename("b")], axis=1).fillna(0.0)
        diff = pd.Series(
            list(suppress_difference(both["a"], both["b"], gaps[line].unit, threshold)),
            index=both.index,
        )
        hidden = diff.map(is_hidden)
        values = pd.to_numeric(diff.where(~hidden), errors="coerce").astype(float)
        png = area_png(areas, values, hidden, diverging=True, facilities=points,
                       outlines=outlines)  # fmt: skip
        caption = w.say("map_change", run=label(run.name), other=label(other.name),
                        line=w.line(line), unit=unit_word)  # fmt: skip
        blocks.append(Picture(png, caption + [" "] + note, alt=_alt(caption)))
    elif bureau == "education":
        blocks += _reassigned_map(w, run, areas, points, note, outlines)
    return blocks


def _reassigned_map(w, run, areas, points, note, outlines) -> list[Block]:
    plan = run.plan("district_assignment_primary")
    if plan is None or "reassigned" not in plan.columns:
        return []
    pupils = plan["pupils"].where(plan["reassigned"].astype(bool), 0.0)
    values, hidden = _drawable(pd.Series(pupils.to_numpy(), index=plan["area_id"]), "pupils",
                               w.threshold)  # fmt: skip
    png = area_png(areas, values, hidden, facilities=points, outlines=outlines)
    caption = w.say("map_reassigned", run=label(run.name), level=w.word(LEVELS, "primary"))
    return [Picture(png, caption + [" "] + note, alt=_alt(caption))]


def _drawable(values: pd.Series, unit: str, threshold: int) -> tuple[pd.Series, pd.Series]:
    shown = suppress(values, unit, threshold)
    hidden = shown.map(is_hidden)
    return drawable(values, unit, threshold), hidden


def _unit_word(w: Writer, unit: str) -> str:
    return unit_title(unit, w.lang)


def _alt(parts: list[Part]) -> str:
    return plain_text(parts)


# --- tables ---------------------------------------------------------------------------------------


def kpi_table(w: Writer, run: StoredRun, other: StoredRun | None, bureau: str) -> list[Block]:
    """The bureau's stored KPIs with units, and the other run's values and the differences."""
    rows_kpis = run.kpis[run.kpis["service"].isin([bureau, "population"])]
    if rows_kpis.empty:
        return []
    header = [[w.say("kpi")[0]], [label(run.name)]]
    if other is not None:
        header = [[w.say("kpi")[0]], [label(other.name)], [label(run.name)],
                  [w.say("difference")[0]]]  # fmt: skip
    rows = []
    for r in rows_kpis.itertuples():
        if r.kpi.endswith("optimality gap"):
            continue  # told in "how sure"
        now = w.kpi(run, r.service, r.kpi)
        cells = [[label(w.kpi_label(r.kpi), "kpi")]]  # a stored name, as the app writes it
        if other is not None:
            then = w.kpi(other, r.service, r.kpi)
            if then is None:
                cells += [["—"], [now], ["—"]]
            else:
                op = "pp" if r.unit == "share" else "diff"
                cells += [[then], [now], [w.calc(op, then, now, signed=True)]]
        else:
            cells.append([now])
        rows.append(cells)
    numeric = tuple(range(1, len(header)))
    return [Heading(w.say("kpi_table"), 3), Table(header, rows, numeric)]


def staffing_table(w: Writer, run: StoredRun) -> list[Block]:
    """Caseworkers and service level per centre, today and planned."""
    plan = run.plan("staffing_by_centre")
    if plan is None or plan.empty:
        return []
    columns = ["caseworkers_today", "caseworkers_planned", "level_before", "level_after"]
    header = [[column_label("staffing_by_centre", "facility_id", w.lang)]] + [
        [column_label("staffing_by_centre", c, w.lang, with_unit=c.startswith("case"))]
        for c in columns
    ]
    rows = []
    for r in plan.itertuples():
        cells = [[label(r.facility_id, "id"), " ", label(r.name)]]
        for c in columns:
            unit = "caseworkers" if c.startswith("case") else "share"
            cells.append([w.plan(run, "staffing_by_centre", "sum", c,
                                 f"facility_id={r.facility_id}", unit, bare=True)])  # fmt: skip
        rows.append(cells)
    return [Table(header, rows, tuple(range(1, len(header))))]


# --- how sure -------------------------------------------------------------------------------------


def how_sure(w: Writer, run: StoredRun, bureau: str, year: Figure) -> list[Block]:
    """Forecast intervals behind the planning-year figures, each model's status and proven
    gap, what binds, and the models' own notes."""
    blocks: list[Block] = [Heading(w.say("how_sure"), 3)]
    if bureau == "social_security":
        blocks += [Paragraph(p, "bullet") for p in interval_sentences(w, run, year)]
    else:
        blocks.append(Paragraph(w.say("no_intervals"), "bullet"))
    models = [m for m in run.models.itertuples() if model_service(m.model) == bureau]
    if models:
        rows = []
        for m in models:
            gap = w.model_value(run, m.model, "gap", "share", bare=True)
            rows.append([[w.word(MODELS, m.model)], [w.word(STATUSES, m.status)], [gap]])
        header = [w.say("model"), w.say("status"), w.say("gap")]
        blocks.append(Table(header, rows, (2,)))
        blocks.append(Paragraph(w.say("gap_meaning"), "note"))
    if bureau == "health":
        blocks += [Paragraph(p, "bullet") for p in binding_sentences(w, run)]
    notes = model_notes(run, bureau, w.lang)
    if notes:
        blocks.append(Paragraph(w.say("notes"), "note"))
        blocks += [Paragraph([label(n, "note")], "note") for n in notes]
    return blocks


def interval_sentences(w: Writer, run: StoredRun, year: Figure) -> list[list[Part]]:
    """Per benefit: the planning year's typical month and its 80% interval."""
    plan = run.plan("caseload_forecast")
    if plan is None or "yhat-lo-80" not in plan.columns:
        return []
    city = plan[plan["series_id"].astype(str).str.startswith("city:")]
    out = []
    when = f"ds@year={int(year.value)}" if year.value else ""
    for series in sorted(city["series_id"].unique()):
        rows = keep(city[city["series_id"] == series], when)
        if rows.empty:
            continue
        where = f"series_id={series};{when}"
        get = {c: w.plan(run, "caseload_forecast", "mean", c, where, "cases per month")
               for c in ("yhat", "yhat-lo-80", "yhat-hi-80")}  # fmt: skip
        level = w.figures.add(80, "", f"column|{run.short}|caseload_forecast|yhat-lo-80",
                              bare=True)  # fmt: skip
        benefit = str(series).split(":")[-1]
        model = str(rows["model"].mode().iloc[0]) if "model" in rows.columns else "—"
        out.append(w.say("intervals", year=year, benefit=w.word(BENEFITS, benefit),
                         yhat=get["yhat"], level=level, lo=get["yhat-lo-80"],
                         hi=get["yhat-hi-80"], model=label(model)))  # fmt: skip
    return out


def binding_sentences(w: Writer, run: StoredRun) -> list[list[Part]]:
    """What holds the bed plan back, from the bed model's stored 'what binds'."""
    plan = run.plan("beds_what_binds")
    if plan is None or plan.empty:
        return []
    out = []
    ranked = plan.sort_values("saves_per_year_if_relaxed", ascending=False).head(3)
    for r in ranked.itertuples():
        saves = w.plan(run, "beds_what_binds", "sum", "saves_per_year_if_relaxed",
                       f"rule={r.rule};where={r.where}", "persons")  # fmt: skip
        out.append(w.say("binds", rule=w.word(RULES, r.rule), where=label(r.where, "id"),
                         saves=saves))  # fmt: skip
    return out


def model_notes(run: StoredRun, bureau: str, lang: str) -> list[str]:
    """What the bureau's models said (e.g. hospitals left out of the bed plan), as the app
    shows them."""
    notes = []
    for m in run.models.itertuples():
        if model_service(m.model) != bureau:
            continue
        messages = list(m.detail.get("messages") or [])
        for level in (m.detail.get("levels") or {}).values():
            messages += list(level.get("messages") or [])
        # only the notes the app explains in both languages (solver chatter is left out)
        notes += [note_text(str(x), lang) for x in messages if note_text(str(x), lang) != str(x)]
    return notes
