"""Saving and loading a Baseline as one versioned file.

The file is a ZIP archive: ``baseline.json`` (format version, schema, summaries) and
one ``samples/<index>.npy`` per numeric column (the sorted reference sample, float64).
A 1 000 000-row, 20-column baseline takes about 13 MB.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import numpy as np

from monitor.engine.baseline import FORMAT_VERSION, Baseline, ColumnBaseline, column_to_dict
from monitor.engine.baseline_performance import BaselinePerformance
from monitor.errors import BaselineError, BaselineNotFound

__all__ = ["load_baseline", "save_baseline"]

_MANIFEST: Final = "baseline.json"
_MAGIC: Final = "driftline-baseline"
_READABLE: Final = (1, FORMAT_VERSION)  # format 1 had no performance part


def save_baseline(baseline: Baseline, path: str | Path) -> Path:
    """Write ``baseline`` to ``path`` (parents created), atomically; return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    columns: list[dict[str, Any]] = []
    samples: dict[str, bytes] = {}
    for index, column in enumerate(baseline.columns.values()):
        entry = column_to_dict(column)
        if column.sample is not None:
            member = f"samples/{index}.npy"
            buffer = io.BytesIO()
            np.save(buffer, np.ascontiguousarray(column.sample, dtype=np.float64))
            samples[member] = buffer.getvalue()
            entry["sample"] = member
        columns.append(entry)
    manifest = {
        "magic": _MAGIC,
        "format_version": baseline.format_version,
        "created_at": baseline.created_at.isoformat(),
        "n_rows": baseline.n_rows,
        "target": baseline.target,
        "prediction": baseline.prediction,
        "sample_size": baseline.sample_size,
        "seed": baseline.seed,
        "columns": columns,
    }
    if baseline.performance is not None:
        manifest["performance"] = baseline.performance.to_dict()
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_MANIFEST, json.dumps(manifest, indent=1))
        for member, data in samples.items():
            archive.writestr(member, data)
    partial.replace(target)
    return target


def load_baseline(path: str | Path) -> Baseline:
    """Read a baseline file written by :func:`save_baseline`.

    Raises
    ------
    BaselineNotFound
        When ``path`` does not exist.
    BaselineError
        When the file is not a Driftline baseline, is corrupt, or has another format
        version; the message says which and how to rebuild it.
    """
    source = Path(path)
    if not source.is_file():
        raise BaselineNotFound(
            f"baseline file {str(source)!r} not found; build one with "
            "'driftline baseline build DATA --out FILE'"
        )
    try:
        with zipfile.ZipFile(source) as archive:
            manifest = json.loads(archive.read(_MANIFEST))
            _check_version(manifest, source)
            columns: dict[str, ColumnBaseline] = {}
            for entry in manifest["columns"]:
                sample = None
                if entry.get("sample"):
                    with archive.open(entry["sample"]) as member:
                        sample = np.load(io.BytesIO(member.read()), allow_pickle=False)
                columns[entry["name"]] = _column_from_dict(entry, sample)
            performance = manifest.get("performance")
            return Baseline(
                columns=columns,
                n_rows=int(manifest["n_rows"]),
                target=manifest["target"],
                prediction=manifest["prediction"],
                created_at=datetime.fromisoformat(manifest["created_at"]),
                sample_size=int(manifest["sample_size"]),
                seed=int(manifest["seed"]),
                format_version=FORMAT_VERSION,
                performance=(
                    None if performance is None else BaselinePerformance.from_dict(performance)
                ),
            )
    except BaselineError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError) as exc:
        raise BaselineError(
            f"baseline file {str(source)!r} is corrupt or not a Driftline baseline "
            f"({type(exc).__name__}: {exc}); rebuild it with 'driftline baseline build'"
        ) from exc


def _check_version(manifest: Any, source: Path) -> None:
    if not isinstance(manifest, dict) or manifest.get("magic") != _MAGIC:
        raise BaselineError(
            f"{str(source)!r} is not a Driftline baseline (no '{_MAGIC}' marker); "
            "build one with 'driftline baseline build DATA --out FILE'"
        )
    version = manifest.get("format_version")
    if version not in _READABLE:
        raise BaselineError(
            f"baseline file {str(source)!r} has format_version {version!r}, but this "
            f"Driftline reads format_version {' or '.join(map(str, _READABLE))}; rebuild the "
            "baseline with "
            "this version ('driftline baseline build') or use the Driftline that wrote it"
        )


def _column_from_dict(entry: dict[str, Any], sample: np.ndarray[Any, Any] | None) -> ColumnBaseline:
    def array(key: str, dtype: type) -> Any:
        value = entry.get(key)
        return None if value is None else np.asarray(value, dtype=dtype)

    categories = entry.get("categories")
    return ColumnBaseline(
        name=entry["name"],
        kind=entry["kind"],
        role=entry["role"],
        dtype=entry["dtype"],
        n_rows=int(entry["n_rows"]),
        n_missing=int(entry["n_missing"]),
        sample=None if sample is None else np.asarray(sample, dtype=np.float64),
        mean=entry.get("mean"),
        std=entry.get("std"),
        minimum=entry.get("minimum"),
        maximum=entry.get("maximum"),
        bin_edges=array("bin_edges", np.float64),
        bin_counts=array("bin_counts", np.int64),
        categories=None if categories is None else tuple(str(c) for c in categories),
        category_counts=array("category_counts", np.int64),
    )
