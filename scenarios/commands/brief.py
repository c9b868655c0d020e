"""`civicalloc brief`: a decision brief of a stored run (HTML, PDF or Word), from the store only."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from scenarios.errors import InputError, user_errors

console = Console(highlight=False, soft_wrap=True)
LANG_CHOICES = ("zh-CN", "en")


def register(app: typer.Typer) -> None:
    """Add the brief command to the CLI."""

    @app.command("brief")
    def brief(
        run: str = typer.Argument(..., help="Run id (or its first characters) or scenario name."),
        out: Path = typer.Option(..., "--out", help="File to write: .html, .pdf or .docx."),
        against: str = typer.Option(None, "--against", help="Run to compare with (e.g. today)."),
        bureau: str = typer.Option(
            None,
            help="health, education or social_security (default: the user's bureau; "
            "every bureau of the run for admin).",
        ),  # fmt: skip
        lang: str = typer.Option("zh-CN", "--lang", help="zh-CN or en."),
        db: str = typer.Option(None, "--db", help="Store URL (default $CIVICALLOC_DB)."),
        user: str = typer.Option(
            None,
            "--user",
            help="Who asks (default $CIVICALLOC_USER or the login name): a "
            "user of the store briefs only their own bureau.",
        ),  # fmt: skip
    ) -> None:
        """Write a decision brief of a stored run: headline, maps, key figures, the comparison,
        how sure, early warnings and the data behind it — every number from the store."""
        from scenarios.commands.scenarios import current_user
        from scenarios.out_paths import check_out_file
        from scenarios.store import connect

        with user_errors():
            if lang not in LANG_CHOICES:
                raise InputError(f"--lang {lang!r}: use zh-CN or en")
            out = check_out_file(out, "--out", (".pdf", ".docx", ".html"))
            engine = connect(db)
            # The dashboard is the last stage; the brief beside it is imported only when asked.
            from dashboard.brief import build_brief, write_brief
            from dashboard.brief.facts import role_of

            name = current_user(user)
            role = role_of(engine, name) or "admin"  # not a user of the store: the operator
            with console.status("brief: starting") as status:

                def show(message: str) -> None:
                    status.update(f"brief: {escape(message)}")

                made = build_brief(engine, run, against, bureau, lang, role, name,
                                   detail=out.name, progress=show)  # fmt: skip
                show(f"writing {out.suffix[1:].upper()}")
                write_brief(made, out)
        missing = sum(f.value is None for f in made.figures)
        console.print(f"wrote {escape(str(out))}: {len(made.figures)} figures from the store"
                      + (f" ({missing} missing)" if missing else "")
                      + f", {', '.join(made.meta['bureaus'])}")  # fmt: skip
