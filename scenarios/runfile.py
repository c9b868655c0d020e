"""Run files: a finished run the store could not take, saved whole so that nothing is lost.

A run file (``*.civicrun``) is a zip: ``run.json`` (the run's fields, model outcomes and KPIs)
and one Parquet file per plan (GeoParquet for spatial plans), the same bytes the store keeps.
`civicalloc import-run FILE` stores it later, under its original run id, so importing twice
stores it once. No pickles: a run file from elsewhere is data, never code.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd

from demand.errors import InputError
from scenarios.records import ModelOutcome, RunRecord, frame_from_parquet, frame_to_parquet

FORMAT = "civicalloc-run"
FORMAT_VERSION = 1
SUFFIX = ".civicrun"
SPILL_ENV = "CIVICALLOC_UNSAVED_DIR"  # where runs that could not be stored are saved
DEFAULT_SPILL = "unsaved-runs"


def spill_dir() -> Path:
    """Where unstorable runs go: $CIVICALLOC_UNSAVED_DIR, else ./unsaved-runs."""
    return Path(os.environ.get(SPILL_ENV) or DEFAULT_SPILL)


def _number(value: object) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def write_run_file(record: RunRecord, path: Path) -> Path:
    """Write the run to ``path`` (atomically: a crash leaves no half file); return the path."""
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "run_id": record.run_id,
        "scenario": record.scenario,
        "owner": record.owner,
        "description": record.description,
        "scenario_json": record.scenario_json,
        "inputs_fingerprint": record.inputs_fingerprint,
        "code_version": record.code_version,
        "seconds": record.seconds,
        "created_by": record.created_by,
        "created_at": record.created_at.isoformat(),
        "models": [
            {**m.__dict__, "objective": _number(m.objective), "gap": _number(m.gap)}
            for m in record.models
        ],
        "kpis": [
            {"service": r.service, "kpi": r.kpi, "value": _number(r.value), "unit": r.unit}
            for r in record.kpis.itertuples()
        ],
        "plans": [],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".partial-", suffix=SUFFIX, dir=path.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
            for i, (name, frame) in enumerate(record.plans.items()):
                content, spatial = frame_to_parquet(frame)
                member = f"plans/{i:03d}.parquet"
                zf.writestr(member, content)
                manifest["plans"].append({"name": name, "file": member, "spatial": spatial})
            zf.writestr("run.json", json.dumps(manifest, default=str, ensure_ascii=False))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def spill_run(record: RunRecord, folder: Path | None = None) -> Path:
    """Save a run the store could not take into ``folder`` (default ``spill_dir()``).

    Falls back to the system's temporary folder when that folder cannot be written.
    """
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in record.scenario)[:60]
    name = f"{safe}-{record.run_id[:8]}{SUFFIX}"
    try:
        return write_run_file(record, (folder or spill_dir()) / name)
    except OSError:
        return write_run_file(record, Path(tempfile.gettempdir()) / "civicalloc-unsaved" / name)


def read_run_file(path: Path) -> RunRecord:
    """The run saved in a run file; InputError naming the file if it is not one."""
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read("run.json"))
            if manifest.get("format") != FORMAT:
                raise KeyError("format")
            if manifest["version"] > FORMAT_VERSION:
                raise InputError(
                    f"{path}: run file version {manifest['version']} is newer than this "
                    f"civicalloc reads ({FORMAT_VERSION}); upgrade civicalloc"
                )
            plans = {p["name"]: frame_from_parquet(zf.read(p["file"]), p["spatial"])
                     for p in manifest["plans"]}  # fmt: skip
            models = [ModelOutcome(**m) for m in manifest["models"]]
            kpis = pd.DataFrame(manifest["kpis"], columns=["service", "kpi", "value", "unit"])
            return RunRecord(
                scenario=manifest["scenario"],
                owner=manifest["owner"],
                description=manifest["description"],
                scenario_json=manifest["scenario_json"],
                inputs_fingerprint=manifest["inputs_fingerprint"],
                code_version=manifest["code_version"],
                seconds=float(manifest["seconds"]),
                kpis=kpis.astype({"value": float}),
                plans=plans,
                models=models,
                created_by=manifest["created_by"],
                run_id=manifest["run_id"],
                created_at=datetime.fromisoformat(manifest["created_at"]),
            )
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; give a {SUFFIX} file") from None
    except (zipfile.BadZipFile, KeyError, TypeError, ValueError, OSError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(
            f"{path}: not a civicalloc run file ({type(exc).__name__}: {exc}); run files are "
            f"the {SUFFIX} files a run saves when the store cannot take it"
        ) from None
