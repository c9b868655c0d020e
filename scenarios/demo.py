"""`civicalloc demo`: the main job on the bundled sample city, step by step.

The steps live in scenarios/demo_steps/ (one module per stage, run in ORDER), so each stage adds
its part of the story without touching the others.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from rich.console import Console

from demand.bundle import City, check_bundle, make_sample_city, write_bundle
from scenarios import demo_steps
from scenarios.summary import print_city_summary

SAMPLE_BUNDLE = Path("build/sample-city")


@dataclass
class DemoContext:
    """What every demo step receives: the city, where to print, where to write, shared state."""

    city: City
    console: Console
    out_dir: Path
    serve: bool = True
    state: dict = field(default_factory=dict)


def discover_steps() -> list[ModuleType]:
    """Demo step modules, in their ORDER."""
    modules = [
        importlib.import_module(f"{demo_steps.__name__}.{info.name}")
        for info in pkgutil.iter_modules(demo_steps.__path__)
    ]
    return sorted((m for m in modules if hasattr(m, "run")), key=lambda m: m.ORDER)


def ensure_sample_bundle(path: Path, console: Console) -> Path:
    """Write the sample city to `path` unless a bundle is already there."""
    if not (path / "areas.geojson").exists():
        console.print(f"writing the sample city to {path} …")
        write_bundle(make_sample_city(), path)
    return path


def run_demo(bundle: Path | None, out_dir: Path, serve: bool, console: Console) -> DemoContext:
    """Load and validate the city, print its summary, then run every demo step."""
    path = bundle or ensure_sample_bundle(SAMPLE_BUNDLE, console)
    console.rule(f"[bold]1. Load and validate {path}")
    city, report = check_bundle(path)
    for line in report.lines():
        console.print(line, highlight=False)
    if city is None:
        raise SystemExit(1)
    console.print(f"valid: {len(report.warnings)} warning(s)", style="green")
    console.rule("[bold]2. The city")
    print_city_summary(city, console)
    ctx = DemoContext(city=city, console=console, out_dir=out_dir, serve=serve)
    out_dir.mkdir(parents=True, exist_ok=True)
    for number, step in enumerate(discover_steps(), start=3):
        console.rule(f"[bold]{number}. {step.TITLE}")
        started = time.perf_counter()
        step.run(ctx)
        console.print(f"[dim]({time.perf_counter() - started:.1f} s)[/]")
    return ctx
