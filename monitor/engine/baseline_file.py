"""Saving and loading a Baseline as one versioned file.

The file is a ZIP archive: ``baseline.json`` (format version, schema, summaries), one
``samples/<index>.npy`` per numeric column (the sorted reference sample, float64) and, from
format 3, ``joint_sample.parquet`` (the joint row sample multivariate drift compares).
Files of formats 1 and 2 still load, without a joint sample.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from monitor.engine.baseline import (
    FORMAT_VERSION,
    Baseline,
    ColumnBaseline,
    column_to_dict,
    joint_labels,
)
from monitor.engine.baseline_performance import BaselinePerformance
from monitor.errors import BaselineError, BaselineNotFound

__all__ = ["load_baseline", "save_baseline"]

_MANIFEST: Final = "baseline.json"
_MAGIC: Final = "driftline-baseline"
_READABLE: Final = (1, 2, FORMAT_VERSION)  # 1: no performance part; 1, 2: no joint sample
_JOINT: Final = "joint_sample.parquet"


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
    if baseline.joint_sample is not None:
        buffer = io.BytesIO()
        table = pa.Table.from_pandas(baseline.joint_sample, preserve_index=False)
        pq.write_table(table, buffer, compression="zstd")
        samples[_JOINT] = buffer.getvalue()
        manifest["joint_sample"] = _JOINT
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
            joint = None
            if manifest.get("joint_sample"):
                with archive.open(manifest["joint_sample"]) as member:
                    joint = _joint_from(pq.read_table(io.BytesIO(member.read())).to_pandas())
            return Baseline(
                columns=columns,
                n_rows=int(manifest["n_rows"]),
                target=manifest["target"],
                prediction=manifest["prediction"],
                created_at=datetime.fromisoformat(manifest["created_at"]),
                sample_size=int(manifest["sample_size"]),
                seed=int(manifest["seed"]),
                format_version=int(manifest["format_version"]),
                joint_sample=joint,
                performance=(
                    None if performance is None else BaselinePerformance.from_dict(performance)
                ),
            )
    except BaselineError:
        raise
    except (
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        TypeError,
        OSError,
        EOFError,
        pa.ArrowException,
    ) as exc:
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


def _joint_from(frame: pd.DataFrame) -> pd.DataFrame:
    """The joint sample as written: float64 numeric columns, object labels (None missing)."""
    out: dict[str, Any] = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_float_dtype(column.dtype):
            out[str(name)] = column.to_numpy(dtype=np.float64)
        else:
            out[str(name)] = joint_labels(column)
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


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
