"""`civicalloc run | runs | compare | export | delete | sweep | audit`: scenarios and the store."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scenarios.errors import user_errors, warn
from scenarios.out_paths import check_out_file, check_out_folder

console = Console(highlight=False, soft_wrap=True)
DB_HELP = "Store URL (default $CIVICALLOC_DB or sqlite:///civicalloc.sqlite)."
THRESHOLD_HELP = (
    "Hide person counts below this (never below the runs' own rules.small_cell_threshold)."
)


def current_user(user: str | None) -> str:
    """Who is acting: --user, else $CIVICALLOC_USER, else the login name."""
    return user or os.environ.get("CIVICALLOC_USER") or getpass.getuser()


def register(app: typer.Typer) -> None:
    """Add the scenario commands to the CLI."""

    @app.command("run")
    def run(
        scenario: list[Path] = typer.Argument(..., help="Scenario TOML file(s)."),
        db: str = typer.Option(None, "--db", help=DB_HELP),
        user: str = typer.Option(None, "--user", help="Who runs it (for the audit log)."),
    ) -> None:
        """Run scenario(s): validate → need → forecast → optimise → metrics; store the result."""
        from scenarios.batch import store_or_report
        from scenarios.pipeline import run_scenario
        from scenarios.privacy import suppress_kpis
        from scenarios.progress import share_bar
        from scenarios.show.scenarios import fmt_value
        from scenarios.spec import load_scenario
        from scenarios.store import connect

        failed = 0
        with user_errors():
            engine = connect(db)
            specs = [load_scenario(p) for p in scenario]
            for spec in specs:
                with share_bar(console) as bar:
                    task = bar.add_task(escape(spec.name), total=1.0)

                    def show(message: str, done: float, task=task, name=spec.name) -> None:
                        bar.update(task, completed=done, description=escape(f"{name}: {message}"))

                    record = run_scenario(spec, current_user(user), show)
                run_id = store_or_report(engine, record)
                if run_id is None:
                    failed += 1
                    continue
                console.print(f"[green]stored[/] {escape(spec.name)} as run {run_id[:8]} "
                              f"({record.seconds:.1f} s)")  # fmt: skip
                for m in record.models:
                    gap = f", gap {m.gap:.2%}" if m.gap is not None else ""
                    console.print(f"  {m.model}: {m.status}{gap}")
                kpis = suppress_kpis(record.kpis, spec.rules.small_cell_threshold)
                t = Table("service", "KPI", "value", "unit")
                for _, row in kpis.iterrows():
                    value = escape(fmt_value(row["value"], row["unit"]))
                    t.add_row(row["service"], escape(row["kpi"]), value, escape(row["unit"]))
                console.print(t)
        if failed:
            raise typer.Exit(code=1)

    @app.command("import-run")
    def import_run(
        files: list[Path] = typer.Argument(
            ..., help="Run file(s) (.civicrun) saved by a run the store could not take."
        ),  # fmt: skip
        db: str = typer.Option(None, "--db", help=DB_HELP),
        keep: bool = typer.Option(False, "--keep", help="Keep each file after storing it."),
    ) -> None:
        """Store runs that were saved to run files because the store was locked or down."""
        from scenarios.batch import store_or_report
        from scenarios.runfile import read_run_file
        from scenarios.store import connect

        with user_errors():
            engine = connect(db)
            records = [(path, read_run_file(path)) for path in files]
            failed = 0
            for path, record in records:
                run_id = store_or_report(engine, record)
                if run_id is None:
                    failed += 1
                    continue
                if not keep:
                    path.unlink()
                said = f"stored {record.scenario} as run {run_id[:8]} from {path}"
                console.print(escape(said + ("" if keep else " (file removed)")))
        if failed:
            raise typer.Exit(code=1)

    @app.command("runs")
    def runs_(
        db: str = typer.Option(None, "--db", help=DB_HELP),
        owner: str = typer.Option(None, help="Only this bureau's runs."),
    ) -> None:
        """List stored runs, newest first."""
        from scenarios.store import connect, list_runs

        with user_errors():
            frame = list_runs(connect(db), owner)
        t = Table("run", "scenario", "owner", "created (UTC)", "by", "seconds", "inputs",
                  "complete", "published")  # fmt: skip
        for _, r in frame.iterrows():
            t.add_row(r["run_id"][:8], escape(r["scenario"]), r["owner"],
                      f"{r['created_at']:%Y-%m-%d %H:%M}", escape(r["created_by"]),
                      f"{r['seconds']:.1f}", r["inputs_fingerprint"][:10],
                      "yes" if r["complete"] else "[yellow]no[/]",
                      "yes" if r["published"] else "")  # fmt: skip
        console.print(t)
        console.print(f"{len(frame)} run(s)")

    @app.command("compare")
    def compare(
        refs: list[str] = typer.Argument(..., help="Run ids or scenario names (2–4 or more)."),
        db: str = typer.Option(None, "--db", help=DB_HELP),
        export: Path = typer.Option(None, "--export", help="Write the table: .csv or .xlsx."),
        threshold: int = typer.Option(10, help=THRESHOLD_HELP),
        user: str = typer.Option(None, "--user"),
    ) -> None:
        """KPIs of stored runs side by side per service, with differences from the first."""
        from scenarios.compare import compare_runs
        from scenarios.export import export_table
        from scenarios.privacy import suppress_kpis
        from scenarios.show.scenarios import print_comparison
        from scenarios.store import connect, log

        with user_errors():
            check_out_file(export, "--export", (".csv", ".xlsx"))
            engine = connect(db)
            table = compare_runs(engine, refs)
            for label in table.attrs.get("incomplete", []):
                warn(f"run {label!r} is incomplete: a model found no plan, so its KPIs are "
                     "blank (–), not zero; see `civicalloc runs`")  # fmt: skip
            value_cols = [c for c in table.columns if c not in ("service", "kpi", "unit")]
            threshold = max(threshold, table.attrs["small_cell_threshold"])
            print_comparison(suppress_kpis(table, threshold, value_cols), console)
            action, where = ("view", "compare") if export is None else ("export", str(export))
            if export is not None:
                export_table(table, export, threshold)
                console.print(f"wrote {export}")
            log(engine, current_user(user), action, ", ".join(refs), None, where)

    @app.command("export")
    def export_(
        run: str = typer.Argument(..., help="Run id (or prefix) or scenario name."),
        out: Path = typer.Option(..., "--out", help="Folder to write."),
        db: str = typer.Option(None, "--db", help=DB_HELP),
        threshold: int = typer.Option(10, help=THRESHOLD_HELP),
        user: str = typer.Option(None, "--user"),
    ) -> None:
        """Write a run's plans and KPIs as CSV (and GeoPackage for maps)."""
        from scenarios.export import export_run
        from scenarios.store import connect, find_run

        with user_errors():
            check_out_folder(out)
            engine = connect(db)
            files = export_run(engine, find_run(engine, run), out, current_user(user), threshold)
        for f in files:
            console.print(f"wrote {f}")

    @app.command("delete")
    def delete(
        run: str = typer.Argument(..., help="Run id (or prefix)."),
        db: str = typer.Option(None, "--db", help=DB_HELP),
        user: str = typer.Option(None, "--user"),
    ) -> None:
        """Delete a stored run (recorded in the audit log)."""
        from scenarios.store import connect, delete_run, find_run

        with user_errors():
            engine = connect(db)
            found = find_run(engine, run)
            delete_run(engine, found["run_id"], current_user(user))
        console.print(escape(f"deleted run {found['run_id'][:8]} ({found['scenario']})"))

    @app.command("sweep")
    def sweep(
        scenario: Path = typer.Argument(..., help="Scenario TOML file."),
        vary: list[str] = typer.Option(
            ..., "--vary", help='KEY=V1,V2,… e.g. "budgets.new_beds=0,100"'
        ),
        workers: int = typer.Option(None, help="Local processes (default: one per core)."),
        scheduler: str = typer.Option(None, help="Dask scheduler, e.g. tcp://host:8786."),
        db: str = typer.Option(None, "--db", help=DB_HELP),
        user: str = typer.Option(None, "--user"),
    ) -> None:
        """Run every combination of the varied levers in parallel and store each run."""
        from scenarios.batch import run_and_store
        from scenarios.spec import load_scenario
        from scenarios.store import connect
        from scenarios.sweep import variants

        with user_errors():
            engine = connect(db)
            grid = variants(load_scenario(scenario), vary)
            console.print(f"{len(grid)} variants of {scenario.name}"
                          + (f" on {scheduler}" if scheduler else ""))  # fmt: skip
            _, failed = run_and_store(engine, grid, current_user(user), console, workers,
                                      scheduler)  # fmt: skip
            if failed:
                raise typer.Exit(code=1)

    @app.command("audit")
    def audit_(
        db: str = typer.Option(None, "--db", help=DB_HELP),
        limit: int = typer.Option(50, help="Lines to show."),
    ) -> None:
        """Show the audit log: who ran, exported, viewed or deleted what, and when."""
        from scenarios.store import audit_log, connect

        with user_errors():
            frame = audit_log(connect(db), limit)
        t = Table("when (UTC)", "who", "action", "scenario", "run", "detail")
        for _, r in frame.iterrows():
            t.add_row(f"{r['at']:%Y-%m-%d %H:%M:%S}", escape(r["username"]), r["action"],
                      escape(r["scenario"] or ""), (r["run_id"] or "")[:8],
                      escape(r["detail"]))  # fmt: skip
        console.print(t)
