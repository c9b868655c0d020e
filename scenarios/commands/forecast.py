"""`civicalloc forecast` and `civicalloc backtest`: time-series forecasts of a history CSV.

The history CSV is the long table ``series_id, ds, y`` (monthly or yearly; the frequency is
inferred and checked). Both commands print a summary table and write a CSV.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from scenarios.errors import user_errors, warn
from scenarios.out_paths import check_out_file

console = Console(highlight=False, soft_wrap=True)

HISTORY = typer.Option(..., "--history", help="CSV with series_id, ds, y (monthly or yearly).")
HORIZON = typer.Option(12, "--horizon", min=1, help="Periods ahead (months or years).")
LEVEL = typer.Option([80, 95], "--level", help="Interval level in percent; repeat for several.")
JOBS = typer.Option(-1, "--jobs", help="Worker processes (-1 = all cores, 1 = none).")


def _score(value: float) -> str:
    """A MASE for the table: '–' when there is none (never 'nan')."""
    return "–" if value is None or value != value else f"{value:.2f}"


def _forecast_table(fc, choice, horizon: int, level: list[int], limit: int = 15) -> Table:
    lv = max(level) if level else None
    title = f"Forecast, {horizon} periods ahead" + (f" ({lv}% interval)" if lv else "")
    table = Table(title=title)
    cols = ("series", "model", "MASE", "naive", "from", "next", "interval", "total")
    for col in cols:
        table.add_column(col, justify="left" if col in cols[:2] + cols[4:5] else "right")
    totals = fc.groupby("series_id", sort=False).agg(
        first=("ds", "first"),
        yhat=("yhat", "first"),
        total=("yhat", "sum"),
        **({"lo": (f"yhat-lo-{lv}", "first"), "hi": (f"yhat-hi-{lv}", "first")} if lv else {}),
    )
    picks = choice.set_index("series_id")
    for sid, row in list(totals.iterrows())[:limit]:
        pick = picks.loc[sid]
        own = pick.get(f"mase_{pick['model']}", float("nan"))
        naive = pick.get("mase_SeasonalNaive", float("nan"))
        members = [w.rsplit(" ", 1)[0] for w in str(pick.get("weights", "")).split(", ") if w]
        model = pick["model"]
        if model == "Ensemble" and members:
            model += (
                f" ({', '.join(members[:2])}{f' +{len(members) - 2}' if len(members) > 2 else ''})"
            )
        table.add_row(
            str(sid),
            model,
            _score(own),
            _score(naive),
            f"{row['first']:%Y-%m}",
            f"{row['yhat']:,.0f}",
            f"{row['lo']:,.0f}–{row['hi']:,.0f}" if lv else "",
            f"{row['total']:,.0f}",
        )
    if len(totals) > limit:
        table.caption = f"first {limit} of {len(totals)} series; all in the output CSV. "
    table.caption = (table.caption or "") + (
        "MASE: backtest error of the chosen forecast (naive: of seasonal naive; – where the "
        "history is too short to backtest); next: first period's forecast and interval; "
        "total: sum over the horizon"
    )
    return table


def _backtest_table(summary, level: list[int]) -> Table:
    from forecasting.backtest import AUTO_SELECT

    table = Table(title="Rolling-origin backtest (lower MASE is better; < 1 beats seasonal naive)")
    for col in ("model", "MASE", "MAE", "sMAPE %", *[f"cover {lv}%" for lv in level], "series"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for r in summary.to_dict("records"):
        table.add_row(
            r["model"],
            f"{r['mase']:.3f}",
            f"{r['mae']:,.2f}",
            f"{r['smape']:.1f}",
            *[f"{r[f'coverage_{lv}']:.1%}" for lv in level],
            f"{int(r['n_series'])}",
        )
    table.caption = f"{AUTO_SELECT}: the model chosen per series at each origin from its past only"
    return table


def register(app: typer.Typer) -> None:
    """Add `forecast` and `backtest` to the CLI."""

    @app.command("forecast")
    def forecast(
        history: Path = HISTORY,
        horizon: int = HORIZON,
        level: list[int] = LEVEL,
        out: Path = typer.Option(..., "--out", help="CSV to write the forecasts to."),
        jobs: int = JOBS,
        choices: Path | None = typer.Option(
            None, "--choices", help="CSV for each series' choice, weights, scores and reason."
        ),
    ) -> None:
        """Forecast every series with an automatic per-series model choice and intervals."""
        from forecasting.history import read_history_csv  # imported here: keeps the CLI quick
        from forecasting.models import AutoForecaster
        from scenarios.spreadsheet import write_csv

        with user_errors():
            check_out_file(out, "--out", (".csv",))
            if choices is not None:
                check_out_file(choices, "--choices", (".csv",))
            hist = read_history_csv(history)
            model = AutoForecaster(n_jobs=jobs).fit(hist, source=str(history))
            fc = model.predict(horizon, level=level)
            write_csv(fc, out, date_format="%Y-%m-%d")
            choice = model.choice_
            if choices is not None:
                write_csv(choice, choices)
        unscored = choice[choice["n_windows"] == 0] if "n_windows" in choice else choice[:0]
        if len(unscored):
            first = unscored.iloc[0]
            warn(f"{len(unscored)} series too short to backtest (e.g. {first['series_id']}, "
                 f"{first['n_obs']} observations): forecast by {first['model']} with no error "
                 "score (MASE shown as –); give more history to score a model")  # fmt: skip
        console.print(_forecast_table(fc, choice, horizon, sorted(set(level))))
        counts = ", ".join(f"{k} {v}" for k, v in choice["model"].value_counts().items())
        console.print(f"{len(choice)} series ({counts}) → {out}")
        shown = choice.head(15)
        console.print("why:" + ("" if len(choice) <= 15 else " (first 15; --choices for all)"))
        for sid, reason in zip(shown["series_id"], shown["reason"], strict=True):
            console.print(f"  {sid}: {reason}", markup=False)

    @app.command("backtest")
    def backtest_cmd(
        history: Path = HISTORY,
        horizon: int = HORIZON,
        windows: int = typer.Option(3, "--windows", min=1, help="Number of forecast origins."),
        step: int = typer.Option(0, "--step", min=0, help="Periods between origins (0 = h)."),
        level: list[int] = LEVEL,
        out: Path = typer.Option(..., "--out", help="CSV for per-series, per-model scores."),
        jobs: int = JOBS,
    ) -> None:
        """Score the automatic choice and each method against seasonal naive on past origins."""
        from forecasting.backtest import backtest
        from forecasting.history import read_history_csv
        from forecasting.models import AutoForecaster
        from scenarios.spreadsheet import write_csv

        with user_errors():
            check_out_file(out, "--out", (".csv",))
            hist = read_history_csv(history)
            result = backtest(
                hist,
                h=horizon,
                n_windows=windows,
                step=step or None,
                level=level,
                forecaster=AutoForecaster(n_jobs=jobs),
                source=str(history),
            )
            write_csv(result.per_series, out)
        used = int(result.summary["n_windows"].max()) if len(result.summary) else 0
        if used < windows:
            warn(f"only {used} of the {windows} windows asked for fit in this history (each "
                 f"needs {horizon} periods to test and enough before it to train)")  # fmt: skip
        console.print(_backtest_table(result.summary, result.level))
        console.print(result.explain())
        console.print(f"per-series scores → {out}")
