"""Reading data files (CSV, Parquet) with errors that name the file and the fix."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from monitor.errors import InputError

__all__ = ["read_table"]

_PARQUET = (".parquet", ".pq")
_CSV = (".csv", ".csv.gz", ".tsv")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV (``.csv``, ``.csv.gz``, ``.tsv``) or Parquet (``.parquet``, ``.pq``) file."""
    source = Path(path)
    if not source.is_file():
        raise InputError(f"{str(source)!r}: no such file; check the path")
    name = source.name.lower()
    try:
        if name.endswith(_PARQUET):
            return pd.read_parquet(source)
        if name.endswith(_CSV):
            return pd.read_csv(source, sep="\t" if name.endswith(".tsv") else ",")
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InputError(
            f"{str(source)!r}: cannot be read ({exc}); is it valid CSV/Parquet?"
        ) from exc
    raise InputError(
        f"{str(source)!r}: unknown file type; use .csv, .csv.gz, .tsv, .parquet or .pq"
    )
