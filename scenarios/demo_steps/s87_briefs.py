"""Demo step: a decision brief in Chinese for each bureau, comparing one bundled scenario with
today, written to build/demo/briefs/ as PDF and Word (HTML where PDF cannot be printed)."""

from __future__ import annotations

ORDER = 87
TITLE = "Decision briefs"
#: The bundled scenario each bureau's brief is about (compared with "today").
BRIEFS = {
    "health": "new hospital in Xincheng",
    "education": "new school, classes of 40",
    "social_security": "20% of cases online",
}


def write_demo_briefs(engine, folder, console, lang: str = "zh-CN") -> list:
    """One brief per bureau of its bundled scenario against today; the paths written."""
    from dashboard.brief import build_brief, write_brief
    from demand.errors import InputError
    from scenarios.store import list_runs

    stored = set(list_runs(engine)["scenario"])
    folder.mkdir(parents=True, exist_ok=True)
    written, pdf_problem = [], None
    for bureau, scenario in BRIEFS.items():
        if scenario not in stored or "today" not in stored:
            console.print(f"no run of {scenario!r} and today in the store: no {bureau} brief")
            continue
        brief = build_brief(engine, scenario, "today", bureau, lang, "admin", "demo",
                            detail=f"demo {bureau}")  # fmt: skip
        suffixes = [".pdf", ".docx"] if pdf_problem is None else [".html", ".docx"]
        for suffix in suffixes:
            path = folder / f"{bureau}-{lang}{suffix}"
            try:
                written.append(write_brief(brief, path))
            except InputError as exc:  # no Pango or no font for Chinese on this machine
                pdf_problem = str(exc)
                written.append(write_brief(brief, path.with_suffix(".html")))
    if pdf_problem:
        console.print(f"[yellow]PDF not written:[/] {pdf_problem}")
    return written


def run(ctx) -> None:
    """Write the briefs and print their paths."""
    from scenarios.store import connect, db_url

    engine = connect(ctx.state.get("store_url") or db_url(None))
    for path in write_demo_briefs(engine, ctx.out_dir / "briefs", ctx.console):
        ctx.console.print(f"brief: {path}")
