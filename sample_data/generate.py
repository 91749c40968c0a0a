"""Generate Driftline's synthetic credit-risk sample data (deterministic).

Writes, into the directory holding this script (or ``--out-dir``):

* ``reference.csv``            20 000 rows, the training period;
* ``current_no_drift.csv``     5 000 rows from the same process;
* ``current_income_drift.csv`` 5 000 rows, income scaled down, employment mix shifted;
* ``current_severe_drift.csv`` 5 000 rows, drift in several columns and in the prediction;
* ``drift_manifest.json``      which columns were drifted in each file, how, and by how much.

The manifest is built from the same :class:`Drift` specs that the generator applies, so the two
cannot disagree. Every file gets its own child of one ``SeedSequence``; rerunning the script
produces byte-identical files (for a given numpy version).

Feature dependencies are kept deliberately narrow so that a column listed as *not* drifted is
genuinely undrifted: ``age`` depends only on ``employment_type`` (retired rows are older; the
drifts never move the retired share), ``income`` on ``employment_type``, ``num_late_payments`` on
``credit_utilization``; ``loan_amount``, ``num_credit_lines``, ``region`` and ``has_mortgage`` are
independent. ``default`` and ``predicted_proba`` depend on all features.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

SEED = 20240603  # see README: first seed >= 20240601 with no chance p < 0.01 off-manifest
FORMAT_VERSION = 1
N_REFERENCE = 20_000
N_CURRENT = 5_000
MISSING_RATE = 0.01  # income and employment_type, every file

TARGET = "default"
PREDICTION = "predicted_proba"
ID_COLUMN = "record_id"

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

EMPLOYMENT_TYPES = ("salaried", "self_employed", "unemployed", "retired")
EMPLOYMENT_PROBS: dict[str, float] = {
    "salaried": 0.66,
    "self_employed": 0.16,
    "unemployed": 0.06,
    "retired": 0.12,
}
# log-normal income by employment type: (median, sigma of log)
INCOME_PARAMS: dict[str, tuple[float, float]] = {
    "salaried": (55_000.0, 0.45),
    "self_employed": (58_000.0, 0.60),
    "unemployed": (18_000.0, 0.40),
    "retired": (32_000.0, 0.40),
}
REGIONS = ("north", "south", "east", "west", "central")
REGION_PROBS: dict[str, float] = {
    "north": 0.22,
    "south": 0.24,
    "east": 0.18,
    "west": 0.20,
    "central": 0.16,
}
MORTGAGE_PROPORTION = 0.38
UTILIZATION_BETA = (2.0, 5.0)

# Logistic default model (true probability); the "model" adds noise on the logit scale.
INTERCEPT = -2.7
EMPLOYMENT_EFFECT = {"salaried": 0.0, "self_employed": 0.3, "unemployed": 0.9, "retired": 0.1}
REGION_EFFECT = {"north": 0.0, "south": 0.15, "east": -0.1, "west": 0.05, "central": 0.1}
PREDICTION_NOISE_SD = 0.35


@dataclass(frozen=True)
class Drift:
    """Drift injected into one current window. ``None`` fields mean "as in reference"."""

    income_factor: float | None = None
    employment_probs: Mapping[str, float] | None = None
    age_delta: int | None = None
    utilization_beta: tuple[float, float] | None = None
    late_rate_factor: float | None = None
    region_probs: Mapping[str, float] | None = None
    mortgage_proportion: float | None = None
    employment_effect: Mapping[str, float] | None = None
    """A change of concept: each employment type's effect on the log-odds of ``default``
    (``EMPLOYMENT_EFFECT`` otherwise). It moves the labels, not the features; no file of
    ``CURRENT_FILES`` uses it (the live traffic's new normal does, ``live.py``)."""

    def injections(self) -> list[dict[str, Any]]:
        """Machine-readable description of every injected change, for the manifest."""
        out: list[dict[str, Any]] = []
        if self.age_delta is not None:
            out.append(
                {
                    "column": "age",
                    "kind": "shift",
                    "delta": self.age_delta,
                    "note": "years added to every row, then clipped to 18-80",
                }
            )
        if self.income_factor is not None:
            out.append({"column": "income", "kind": "scale", "factor": self.income_factor})
        if self.utilization_beta is not None:
            out.append(
                {
                    "column": "credit_utilization",
                    "kind": "distribution",
                    "reference": _beta_name(UTILIZATION_BETA),
                    "current": _beta_name(self.utilization_beta),
                }
            )
        if self.late_rate_factor is not None:
            out.append(
                {
                    "column": "num_late_payments",
                    "kind": "rate_scale",
                    "factor": self.late_rate_factor,
                    "note": "Poisson rate multiplied; the rate also rises with credit_utilization",
                }
            )
        if self.employment_probs is not None:
            out.append(
                {
                    "column": "employment_type",
                    "kind": "category_probs",
                    "reference": dict(EMPLOYMENT_PROBS),
                    "current": dict(self.employment_probs),
                }
            )
        if self.region_probs is not None:
            out.append(
                {
                    "column": "region",
                    "kind": "category_probs",
                    "reference": dict(REGION_PROBS),
                    "current": dict(self.region_probs),
                }
            )
        if self.mortgage_proportion is not None:
            out.append(
                {
                    "column": "has_mortgage",
                    "kind": "proportion",
                    "reference": MORTGAGE_PROPORTION,
                    "current": self.mortgage_proportion,
                }
            )
        return out


@dataclass(frozen=True)
class CurrentFile:
    name: str
    id_prefix: str
    description: str
    drift: Drift | None = None
    # predicted_proba is listed as drifted when the injected columns move the prediction
    # materially by construction (checked in the README's verification, documented there).
    prediction_drifts: bool = False
    prediction_via: Sequence[str] = field(default_factory=tuple)


CURRENT_FILES: tuple[CurrentFile, ...] = (
    CurrentFile(
        name="current_no_drift.csv",
        id_prefix="nd-",
        description="Same generating process as the reference, independent seed stream. "
        "No drift anywhere; any alarm on this file is a false alarm.",
    ),
    CurrentFile(
        name="current_income_drift.csv",
        id_prefix="inc-",
        description="Income scaled by 0.75 (about 0.5 sd of log-income) and the employment mix "
        "shifted from salaried toward self_employed/unemployed (retired share "
        "unchanged). The predicted default probability rises as a consequence.",
        drift=Drift(
            income_factor=0.75,
            employment_probs={
                "salaried": 0.52,
                "self_employed": 0.26,
                "unemployed": 0.10,
                "retired": 0.12,
            },
        ),
        prediction_drifts=True,
        prediction_via=("income", "employment_type"),
    ),
    CurrentFile(
        name="current_severe_drift.csv",
        id_prefix="sev-",
        description="Younger applicants with higher credit utilization and more late "
        "payments, a different regional mix and fewer mortgages; the predicted "
        "default probability rises sharply as a consequence.",
        drift=Drift(
            age_delta=-8,
            utilization_beta=(3.5, 4.0),
            late_rate_factor=1.8,
            region_probs={
                "north": 0.10,
                "south": 0.38,
                "east": 0.12,
                "west": 0.15,
                "central": 0.25,
            },
            mortgage_proportion=0.22,
        ),
        prediction_drifts=True,
        prediction_via=("age", "credit_utilization", "num_late_payments", "region", "has_mortgage"),
    ),
)


def _beta_name(params: tuple[float, float]) -> str:
    return f"beta({params[0]:g}, {params[1]:g})"


def _choice(
    rng: np.random.Generator, categories: Sequence[str], probs: Mapping[str, float], n: int
) -> npt.NDArray[np.object_]:
    p = np.array([probs[c] for c in categories], dtype=np.float64)
    idx = rng.choice(len(categories), size=n, p=p / p.sum())
    return np.array(categories, dtype=object)[idx]


def _sigmoid(z: FloatArray) -> FloatArray:
    out: FloatArray = 1.0 / (1.0 + np.exp(-z))
    return out


def _age(rng: np.random.Generator, employment: npt.NDArray[np.object_]) -> IntArray:
    retired = employment == "retired"
    age = np.where(
        retired, rng.normal(67.0, 5.5, employment.size), rng.normal(41.0, 11.0, employment.size)
    )
    age = np.where(retired, np.maximum(age, 55.0), age)
    return np.clip(np.rint(age), 18, 80).astype(np.int64)


def _income(rng: np.random.Generator, employment: npt.NDArray[np.object_]) -> FloatArray:
    z = rng.standard_normal(employment.size)
    income = np.empty(employment.size, dtype=np.float64)
    for kind, (median, sigma) in INCOME_PARAMS.items():
        mask = employment == kind
        income[mask] = median * np.exp(sigma * z[mask])
    return income


def _true_logit(
    age: IntArray,
    income: FloatArray,
    loan: FloatArray,
    util: FloatArray,
    late: IntArray,
    lines: IntArray,
    employment: npt.NDArray[np.object_],
    region: npt.NDArray[np.object_],
    mortgage: npt.NDArray[np.bool_],
    employment_effect: Mapping[str, float] = EMPLOYMENT_EFFECT,
) -> FloatArray:
    emp = np.array([employment_effect[str(e)] for e in employment], dtype=np.float64)
    reg = np.array([REGION_EFFECT[str(r)] for r in region], dtype=np.float64)
    z: FloatArray = (
        INTERCEPT
        - 0.25 * (age - 40.0) / 10.0
        - 0.9 * np.log(income / 50_000.0)
        + 0.35 * np.log(loan / 10_000.0)
        + 2.2 * (util - 0.29)
        + 0.45 * late
        - 0.05 * (lines - 5.0)
        + emp
        + reg
        - 0.3 * mortgage
    )
    return z


def generate_frame(
    rng: np.random.Generator, n: int, drift: Drift | None = None, id_prefix: str = "r-"
) -> pd.DataFrame:
    """Draw ``n`` rows from the reference process, with ``drift`` injected if given."""
    d = drift or Drift()
    employment = _choice(rng, EMPLOYMENT_TYPES, d.employment_probs or EMPLOYMENT_PROBS, n)
    age = _age(rng, employment)
    if d.age_delta is not None:
        age = np.clip(age + d.age_delta, 18, 80).astype(np.int64)
    income = _income(rng, employment)
    if d.income_factor is not None:
        income = income * d.income_factor
    loan = np.clip(rng.lognormal(np.log(12_000.0), 0.75, n), 500.0, 150_000.0)
    a, b = d.utilization_beta or UTILIZATION_BETA
    util = rng.beta(a, b, n)
    late_rate = (0.3 + 1.2 * util) * (d.late_rate_factor or 1.0)
    late = rng.poisson(late_rate).astype(np.int64)
    lines = (1 + rng.poisson(4.0, n)).astype(np.int64)
    region = _choice(rng, REGIONS, d.region_probs or REGION_PROBS, n)
    mortgage_p = MORTGAGE_PROPORTION if d.mortgage_proportion is None else d.mortgage_proportion
    mortgage = rng.random(n) < mortgage_p

    # round first so the label and prediction are functions of the values actually written
    income = np.round(income, 2)
    loan = np.round(loan, 2)
    util = np.round(util, 4)
    logit = _true_logit(
        age, income, loan, util, late, lines, employment, region, mortgage,
        d.employment_effect or EMPLOYMENT_EFFECT,
    )  # fmt: skip
    default = (rng.random(n) < _sigmoid(logit)).astype(np.int64)
    noisy = _sigmoid(logit + rng.normal(0.0, PREDICTION_NOISE_SD, n))
    proba = np.round(np.clip(noisy, 1e-4, 1.0 - 1e-4), 4)

    # missing values are masked after the label is drawn: the truth existed, it was not recorded
    income_missing = rng.random(n) < MISSING_RATE
    employment_missing = rng.random(n) < MISSING_RATE

    frame = pd.DataFrame(
        {
            ID_COLUMN: [f"{id_prefix}{i:06d}" for i in range(1, n + 1)],
            "age": age,
            "income": np.where(income_missing, np.nan, income),
            "loan_amount": loan,
            "credit_utilization": util,
            "num_late_payments": late,
            "num_credit_lines": lines,
            "employment_type": pd.Series(employment, dtype=object).where(~employment_missing),
            "region": region,
            "has_mortgage": mortgage,
            TARGET: default,
            PREDICTION: proba,
        }
    )
    return frame


def _stats(frame: pd.DataFrame) -> dict[str, float | int]:
    return {
        "rows": len(frame),
        "default_rate": round(float(frame[TARGET].mean()), 4),
        "mean_predicted_proba": round(float(frame[PREDICTION].mean()), 4),
    }


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n")


def build_manifest(stats: Mapping[str, dict[str, float | int]]) -> dict[str, Any]:
    files: dict[str, Any] = {}
    for spec in CURRENT_FILES:
        injections = spec.drift.injections() if spec.drift is not None else []
        columns = [str(inj["column"]) for inj in injections]
        if spec.prediction_drifts:
            columns.append(PREDICTION)
            injections.append(
                {
                    "column": PREDICTION,
                    "kind": "derived",
                    "via": list(spec.prediction_via),
                    "note": "not injected directly: the prediction is a function "
                    "of the drifted features",
                }
            )
        files[spec.name] = {
            "drifted_columns": columns,
            "injections": injections,
            "description": spec.description,
            "stats": stats[spec.name],
        }
    return {
        "format_version": FORMAT_VERSION,
        "seed": SEED,
        "reference": "reference.csv",
        "target": TARGET,
        "prediction": PREDICTION,
        "id_column": ID_COLUMN,
        "missing_rate": {"income": MISSING_RATE, "employment_type": MISSING_RATE},
        "reference_stats": stats["reference.csv"],
        "files": files,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    out_dir: Path = args.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)

    streams = np.random.SeedSequence(SEED).spawn(1 + len(CURRENT_FILES))
    stats: dict[str, dict[str, float | int]] = {}

    reference = generate_frame(np.random.default_rng(streams[0]), N_REFERENCE, id_prefix="ref-")
    _write_csv(reference, out_dir / "reference.csv")
    stats["reference.csv"] = _stats(reference)

    for spec, stream in zip(CURRENT_FILES, streams[1:], strict=True):
        frame = generate_frame(
            np.random.default_rng(stream), N_CURRENT, spec.drift, id_prefix=spec.id_prefix
        )
        _write_csv(frame, out_dir / spec.name)
        stats[spec.name] = _stats(frame)

    manifest = build_manifest(stats)
    (out_dir / "drift_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    for name, s in stats.items():
        print(f"{name}: {s}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
