"""Time to breach for specialist sessions per centre: a stored outreach plan's visits, grown with
the areas' projected need, against the visits its sessions hold -- by hand, and through
`civicalloc watch --bundle`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from scenarios.alerts.breach import SESSION_SLACK, OutreachPlan, sessions_against_plan
from scenarios.alerts.store import list_alerts
from scenarios.cli import app
from scenarios.store import RunRecord, connect, save_run

runner = CliRunner()


def _plan(served: list[tuple], sessions: list[tuple], per_session: float = 15.0) -> OutreachPlan:
    """served: (area_id, specialty, centre_id, visits_per_week); sessions: (centre, specialty,
    sessions a week)."""
    served_frame = pd.DataFrame(
        served, columns=["area_id", "specialty", "centre_id", "visits_per_week"]
    )
    served_frame["from_area"] = served_frame["area_id"]
    schedule = pd.DataFrame(sessions, columns=["centre_id", "specialty", "sessions"])
    schedule.insert(0, "hospital_id", "H1")
    schedule["sessions"] = schedule["sessions"].astype(float)
    schedule["visit_capacity"] = schedule["sessions"] * per_session
    return OutreachPlan("0123456789abcdef" * 2 + "0000", "today", schedule, served_frame)


def test_sessions_breach_year_need_and_probability_by_hand():
    """C1 gets 40 visits a week of paediatrics from A (need +5% of today's a year) and 10 from B
    (flat); 3 sessions of 15 visits hold 45, and a centre needs more sessions once its need
    passes 45 + half a session = 52.5: need 50 + 2h passes at h = 2 (54; h = 1 only reaches 52).
    With a log spread of 0.02 a year ahead (x sqrt(h)), P(need > 52.5 by h = 3) =
    Phi(log(56 / 52.5) / (0.02 sqrt 3)) = 0.969. C2 (20 visits, 2 sessions) never passes."""
    plan = _plan(
        [("A", "paediatrics", "C1", 40.0), ("B", "paediatrics", "C1", 10.0),
         ("A", "cardiology", "C2", 20.0)],
        [("C1", "paediatrics", 3), ("C2", "cardiology", 2)],
    )  # fmt: skip
    growth = pd.DataFrame(
        [(a, s, 2025 + h, 1 + 0.05 * h if a == "A" else 1.0)
         for a in ("A", "B") for s in ("paediatrics", "cardiology") for h in range(1, 6)],
        columns=["area_id", "specialty", "year", "factor"],
    )  # fmt: skip
    out = sessions_against_plan(plan, growth, {1: 0.02}, 2025).set_index("series_id")
    c1 = out.loc["C1:paediatrics"]
    assert c1["breach_ds"] == pd.Timestamp("2027-01-01") and c1["need"] == pytest.approx(54.0)
    assert c1["capacity"] == pytest.approx(45 + SESSION_SLACK * 15) and c1["planned"] == 45
    assert c1["by_ds"] == pd.Timestamp("2028-01-01") and c1["now"] == pytest.approx(50.0)
    hand = stats.norm.cdf(np.log(56 / 52.5) / (0.02 * np.sqrt(3)))
    assert hand == pytest.approx(0.969, abs=1e-3)
    assert c1["probability"] == pytest.approx(hand, abs=0.01)
    c2 = out.loc["C2:cardiology"]
    assert pd.isna(c2["breach_ds"]) and c2["peak_need"] == pytest.approx(25.0)
    assert c2["probability"] < 1e-6


def _bundle_population(bundle) -> tuple[pd.DataFrame, int]:
    from demand.bundle import load_city

    city = load_city(bundle)
    return city.population, city.latest_year


def _cardiology_growth(population: pd.DataFrame) -> pd.Series:
    """Per area: cardiology need in each of the next 5 years over today's, computed here from
    the population projection and the shipped rates (independently of the alert code)."""
    from demand.need import residential_need
    from forecasting.cohort import CohortProjection

    proj = CohortProjection().fit(population).predict(5)
    need = residential_need(proj)
    need = need[need["resource"] == "outpatient_visits:cardiology"]
    table = need.pivot_table(index="area_id", columns="period", values="amount")
    return table.div(table[table.columns.min()], axis=0)


@pytest.mark.slow
def test_watch_bundle_raises_a_sessions_breach_from_a_stored_plan(small_bundle_dir, tmp_path):
    population, base = _bundle_population(small_bundle_dir)
    growth = _cardiology_growth(population)
    area = growth[base + 3].idxmax()  # the area whose cardiology need grows most
    g2, g3 = growth.loc[area, base + 2], growth.loc[area, base + 3]
    assert g3 > g2 > 1
    limit = 2 * 15 + SESSION_SLACK * 15  # 2 sessions of 15 visits, plus half a session
    visits = limit / np.sqrt(g2 * g3)  # passes the limit between year 2 and year 3
    plan = _plan([(area, "cardiology", "C001", visits), (area, "paediatrics", "C002", 10.0)],
                 [("C001", "cardiology", 2), ("C002", "paediatrics", 2)])  # fmt: skip
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    engine = connect(url)
    record = RunRecord(
        scenario="today", owner="health", description="", scenario_json="{}",
        inputs_fingerprint="f" * 64, code_version="test", seconds=1.0,
        kpis=pd.DataFrame(columns=["service", "kpi", "value", "unit"]),
        plans={"outreach_schedule": plan.schedule, "outreach_visits_served": plan.served},
        models=[],
    )  # fmt: skip
    other = RunRecord(**{**record.__dict__, "scenario": "no outreach", "plans": {},
                         "run_id": "f" * 36})  # fmt: skip
    save_run(engine, record)
    save_run(engine, other)
    args = ["watch", "--bundle", str(small_bundle_dir), "--since", "2025-12-01", "--db", url,
            "--no-push"]  # fmt: skip
    out = runner.invoke(app, args)  # the latest run with an outreach plan: today's
    assert out.exit_code == 0, out.output
    found = list_alerts(engine)
    sessions = found[found["method"] == "outreach plan x projected specialist need"]
    assert list(sessions["subject"]) == ["C001:cardiology"], out.output
    row = sessions.iloc[0]
    assert row["bureau"] == "health" and row["kind"] == "breach" and row["run_id"] == record.run_id
    assert row["ds"] == pd.Timestamp(f"{base + 3}-01-01")
    assert row["observed"] == pytest.approx(visits * g3, rel=1e-6)
    assert row["threshold"] == pytest.approx(limit) and 0.5 < row["score"] <= 1
    assert (
        f"Centre C001 Community Health Centre 1 needs more cardiology sessions than planned "
        f"from {base + 3} (probability" in row["message"]
    )
    needed = int(np.floor(visits * g3 / 15 + 0.5))
    plan_words = f"its 2 session(s) hold: {needed} needed (plan 'today' {record.run_id[:8]})"
    assert plan_words in row["message"]
    # a run without an outreach plan is one line naming it; what is stored stays
    bad = runner.invoke(app, [*args, "--plan", "no outreach"])
    assert bad.exit_code == 1 and "has no outreach_schedule" in bad.output
    assert "Traceback" not in bad.output and len(list_alerts(engine)) == len(found)
