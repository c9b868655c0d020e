"""Demo step: early warning. Watch the sample city's history (which carries a documented surge:
a caseload jump at the centre nearest the new town and a paediatric outbreak at the hospital
nearest it), the bureaus' rules on the runs just stored, and time to breach for the schools
that serve the new town; store the alerts beside the runs."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from rich.table import Table

from demand.errors import InputError
from scenarios.alerts.breach import city_breach_alerts, stored_outreach_plan
from scenarios.alerts.evaluate import facility_places, watch
from scenarios.alerts.rules import read_watch_file
from scenarios.alerts.store import list_alerts
from scenarios.demo_steps import NO_HISTORY
from scenarios.show.alerts import alerts_table
from scenarios.store import connect, db_url

ORDER = 85
TITLE = "Early warning: surveillance, rules on the stored runs, time to breach"
RULES = Path(__file__).resolve().parents[1] / "alerts" / "sample_watch.toml"
SINCE = "2025-01-01"


def new_town_schools(city) -> list[str]:
    """The primary and middle schools nearest to any area of the new town (it has none)."""
    from demand.bundle.sample_city import DISTRICTS

    town = city.areas[city.areas["district"] == DISTRICTS["new_town"]]
    points = town.geometry.representative_point()
    found = set()
    for prefix in ("primary_school", "middle_school"):
        schools = city.facilities[city.facilities["kind"] == prefix]
        for p in points:
            found.add(str(schools.loc[schools.geometry.distance(p).idxmin(), "facility_id"]))
    return sorted(found)


def run(ctx) -> None:
    """Evaluate, store and print the alerts; then time to breach for the new town's schools."""
    city, console = ctx.city, ctx.console
    if city.history.empty:
        console.print(NO_HISTORY)
        return
    engine = connect(ctx.state.get("store_url") or db_url(None))
    spec = read_watch_file(RULES)
    console.print("time to breach: projecting schools, wards, service centres, sessions …")
    breach, scope = city_breach_alerts(city, stored_outreach_plan(engine))
    args = dict(since=SINCE, source="sample city history", breach=breach, breach_scope=scope,
                username="demo", places=facility_places(city))  # fmt: skip
    try:
        result = watch(engine, spec, city.history, city.series, **args)
    except InputError as exc:  # e.g. a rule on a KPI no stored run has: watch without rules
        console.print(f"[yellow]rules not evaluated:[/] {escape(str(exc))}")
        spec.rules = []
        result = watch(engine, spec, city.history, city.series, **args)
    ev = result.evaluation
    found = list_alerts(engine, ids=ev.raised + ev.updated)
    for note in result.notes:
        console.print(f"[dim]note: {escape(note)}[/]")
    order = found["severity"].map({"critical": 0, "warning": 1, "info": 2})
    found = found.assign(_o=order).sort_values(["_o", "score"], ascending=[True, False])
    surv = found[found["kind"] == "surveillance"]
    console.print(alerts_table(surv, f"Surveillance since {SINCE}: {len(surv)} alert(s)", 15))
    rules = found[found["kind"] == "rule"]
    console.print(alerts_table(rules, f"Rules on the stored runs: {len(rules)} alert(s)", 10))
    console.print(_schools_table(city, breach.attrs.get("schools")))
    console.print(
        f"{len(ev.raised)} new, {len(ev.updated)} still open, {len(ev.resolved)} resolved, "
        f"{len(ev.over)} surveillance episode(s) already over (stored resolved); "
        f"by bureau: {found.groupby('bureau').size().to_dict()}; "
        "list and acknowledge them with `civicalloc alerts` or on the app's Alerts page"
    )
    ctx.state["alerts_evaluation"] = ev


def _schools_table(city, per) -> Table:
    schools = new_town_schools(city)
    per = per[per["facility_id"].isin(schools)]
    names = city.facilities.set_index("facility_id")["name"]
    table = Table(title="Time to breach: the schools that serve the new town (seats per grade)")
    for col in ("school", "first grade over", "year", "pupils", "seats", "probability by"):
        table.add_column(col, justify="left" if col == "school" else "right")
    for fid, g in per.groupby("facility_id"):
        hit = g[g["breach_ds"].notna()].sort_values("breach_ds")
        if len(hit):
            r = hit.iloc[0]
            table.add_row(f"{fid} {names.get(fid, '')}", f"grade {r['grade']}",
                          f"{r['breach_ds']:%Y}", f"{r['need']:,.0f}", f"{r['capacity']:,.0f}",
                          f"{r['probability']:.2f} by {r['by_ds']:%Y}")  # fmt: skip
        else:
            r = g.sort_values("probability").iloc[-1]
            table.add_row(f"{fid} {names.get(fid, '')}", "none within 5 years", "", "",
                          "", f"{r['probability']:.2f} by {r['by_ds']:%Y}")  # fmt: skip
    table.caption = (
        "pupils by grade progression from the cohort projection; the spread from the "
        "projection's own errors on the last 2 years it did not see"
    )
    return table
