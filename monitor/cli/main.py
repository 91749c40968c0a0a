"""The ``driftline`` command line.

Exit status of ``driftline check``: 0 no column drifted, 1 some column (or the joint
distribution of the features) drifted, 2 usage or input error (one line on stderr naming
the file, column or option).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn

from monitor.cli.service import add_service_commands, run_service_command
from monitor.engine.defaults import (
    DEFAULT_ALPHA,
    DEFAULT_DELTA,
    DEFAULT_DELTA_PREDICTION,
    DEFAULT_DRIFT_SHARE,
)
from monitor.errors import DriftlineError

if TYPE_CHECKING:
    from monitor.engine.baseline import Baseline

__all__ = ["main"]

EXIT_OK, EXIT_DRIFT, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """The CLI's parser: usage errors exit 2 with one line, and a command's options may
    come before, between or after its positional arguments (``retrain list --config F M``
    as well as ``retrain list M --config F``)."""

    _intermixing = False

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        # A command with sub-commands parses as usual; a leaf command parses intermixed, so
        # an optional positional (``retrain list [M]``) is not taken as absent when an
        # option comes first. parse_known_intermixed_args calls back here: the flag
        # makes those inner calls plain ones.
        if self._intermixing or self._subparsers is not None:
            return super().parse_known_args(args, namespace)
        self._intermixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False


def _names(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _method_overrides(values: Sequence[str]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for item in values:
        column, sep, method = item.partition("=")
        if not sep or not column or not method:
            raise DriftlineError(f"--method {item!r}: expected COLUMN=METHOD, e.g. income=ks")
        overrides[column] = method
    return overrides


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="driftline", description="Drift and model monitoring.")
    commands = parser.add_subparsers(dest="command", required=True)

    baseline = commands.add_parser("baseline", help="build baselines")
    baseline_commands = baseline.add_subparsers(dest="baseline_command", required=True)
    build = baseline_commands.add_parser("build", help="build a baseline file from data")
    build.add_argument("data", help="reference data (CSV or Parquet)")
    build.add_argument("--out", required=True, help="baseline file to write")
    _add_schema_options(build)
    build.add_argument("--sample-size", type=int, default=100_000)
    build.add_argument(
        "--task",
        choices=("binary", "multiclass", "regression"),
        default=None,
        help="the model's task (inferred from --target when not given)",
    )
    build.add_argument(
        "--threshold",
        type=float,
        default=0.5,
        help="score >= threshold predicts the positive class",
    )
    build.add_argument("--seed", type=int, default=0)
    _add_dask_option(build, "DATA is a glob of CSV/Parquet files, one task per file")
    build.add_argument(
        "--validation",
        default=None,
        metavar="FILE",
        help="held-out data (CSV or Parquet, the training data's columns): the baseline's "
        "performance and CBPE calibration are computed on it instead of the training data",
    )
    log = baseline_commands.add_parser("log", help="build a baseline and log it to an MLflow run")
    log.add_argument("data", help="training data (CSV or Parquet)")
    log.add_argument("--run-id", required=True, help="the MLflow run of the training")
    log.add_argument(
        "--tracking-uri",
        default=None,
        help="MLflow tracking URI (default $MLFLOW_TRACKING_URI, else the embedded store)",
    )
    _add_schema_options(log)
    log.add_argument("--sample-size", type=int, default=100_000)
    log.add_argument("--seed", type=int, default=0)
    log.add_argument(
        "--validation",
        default=None,
        metavar="FILE",
        help="held-out data: the baseline's performance and CBPE calibration come from it",
    )

    check = commands.add_parser("check", help="check current data against a baseline")
    source = check.add_mutually_exclusive_group(required=True)
    source.add_argument("--baseline", help="baseline file")
    source.add_argument("--reference", help="reference data (CSV or Parquet)")
    check.add_argument(
        "--current",
        required=True,
        help="current data (CSV or Parquet); with --baseline, a quoted glob of files is "
        "profiled file by file",
    )
    check.add_argument(
        "--format",
        choices=("text", "json", "html"),
        default="text",
        help="html: one self-contained page with charts (needs --out)",
    )
    check.add_argument(
        "--out", default=None, help="write the report to this file instead of stdout"
    )
    check.add_argument("--alpha", type=float, default=DEFAULT_ALPHA)
    check.add_argument("--delta", type=float, default=DEFAULT_DELTA)
    check.add_argument("--delta-categorical", type=float, default=None)
    check.add_argument(
        "--delta-prediction",
        type=float,
        default=DEFAULT_DELTA_PREDICTION,
        help=f"effect-size tolerance of the prediction column (default {DEFAULT_DELTA_PREDICTION})",
    )
    check.add_argument("--drift-share", type=float, default=DEFAULT_DRIFT_SHARE)
    check.add_argument(
        "--multivariate",
        choices=("classifier", "pca", "off"),
        default="classifier",
        help="multivariate drift of the joint distribution (needs at least 2 feature "
        "columns): a domain classifier (default), PCA reconstruction error (pca) or off",
    )
    check.add_argument(
        "--multivariate-threshold",
        type=float,
        default=None,
        help="effect-size tolerance of the multivariate method: the classifier's AUC - 0.5 "
        "(default 0.05, at most 0.5) or PCA's normalised error distance (default 0.1)",
    )
    check.add_argument("--correction", choices=("bh", "bonferroni"), default="bh")
    check.add_argument(
        "--method",
        action="append",
        default=[],
        metavar="COLUMN=METHOD",
        help="test for one column (cvm, ks, anderson, chi2, ztest); repeatable",
    )
    _add_schema_options(check)
    _add_dask_option(check, "--current is a glob of CSV/Parquet files, profiled one per task")
    add_service_commands(commands)
    return parser


def _add_dask_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--dask",
        default=None,
        metavar="ADDRESS",
        help=f"profile on a Dask cluster (scheduler address, or 'local'): {what}",
    )


def _add_schema_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", default=None, help="label column")
    parser.add_argument("--prediction", default=None, help="model output column")
    parser.add_argument("--categorical", type=_names, default=[], help="C1,C2,...")
    parser.add_argument("--ignore", type=_names, default=[], help="C1,C2,... left out")


def _baseline_build(args: argparse.Namespace) -> int:
    from monitor.engine.baseline import build_baseline
    from monitor.engine.baseline_file import save_baseline
    from monitor.engine.io import read_table

    validation = None if args.validation is None else read_table(args.validation)
    options: dict[str, Any] = {
        "target": args.target,
        "prediction": args.prediction,
        "categorical": args.categorical,
        "ignore": args.ignore,
        "sample_size": args.sample_size,
        "seed": args.seed,
        "task": args.task,
        "threshold": args.threshold,
        "validation": validation,
    }
    if args.dask is not None:
        from monitor.service.cluster import Cluster, baseline_of_files, files_of

        files = files_of(args.data)
        with Cluster(args.dask) as cluster:
            baseline = baseline_of_files(files, cluster, **options)
    else:
        baseline = build_baseline(read_table(args.data), **options)
    path = save_baseline(baseline, args.out)
    print(f"baseline of {baseline.n_rows} rows, {len(baseline.columns)} columns -> {path}")
    _print_performance_source(baseline)
    return EXIT_OK


def _print_performance_source(baseline: Baseline) -> None:
    performance = baseline.performance
    if performance is None:
        return
    if performance.note is not None:
        print(f"note: {performance.note}")
    else:
        print(f"performance and CBPE calibration from {performance.n_labelled} validation rows")


def _baseline_log(args: argparse.Namespace) -> int:
    from monitor.engine.io import read_table
    from monitor.mlflow.tracking import init_tracking, log_baseline, resolve_tracking_uri

    data = read_table(args.data)
    validation = None if args.validation is None else read_table(args.validation)
    uri = init_tracking(resolve_tracking_uri(args.tracking_uri))
    logged = log_baseline(
        data,
        target=args.target,
        prediction=args.prediction,
        categorical=args.categorical,
        ignore=args.ignore,
        sample_size=args.sample_size,
        seed=args.seed,
        run_id=args.run_id,
        tracking_uri=uri,
        validation=validation,
    )
    baseline = logged.baseline
    print(
        f"baseline of {baseline.n_rows} rows, {len(baseline.columns)} columns -> "
        f"run {logged.run_id}, artifact {logged.artifact_path}"
    )
    _print_performance_source(baseline)
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from monitor.engine.baseline_file import load_baseline
    from monitor.engine.compare import compare
    from monitor.engine.io import read_table
    from monitor.engine.multivariate import MultivariateOptions
    from monitor.engine.render import headline, render_text

    if args.format == "html" and not args.out:
        raise DriftlineError(
            "--format html writes a file of several MB: give --out FILE, e.g. --out report.html"
        )
    multivariate = MultivariateOptions(
        method=args.multivariate, threshold=args.multivariate_threshold
    )
    reference = load_baseline(args.baseline) if args.baseline else read_table(args.reference)
    current: Any
    is_glob = any(ch in args.current for ch in "*?[")
    if args.dask is not None or is_glob:
        from monitor.engine.baseline import Baseline
        from monitor.engine.profile import profile_spec
        from monitor.service.cluster import Cluster, check_schemas, files_of, profile_files
        from monitor.service.files import glob_root

        if not isinstance(reference, Baseline):
            what = "--dask" if args.dask is not None else "a --current glob"
            raise DriftlineError(
                f"{what} profiles the current files against a baseline: give --baseline FILE "
                "(build one with 'driftline baseline build DATA --out FILE')"
            )
        files = files_of(args.current)
        check_schemas(files)
        if args.dask is None:  # file by file in this process, in bounded memory
            current = profile_files(files, profile_spec(reference), root=glob_root(args.current))
        else:
            with Cluster(args.dask) as cluster:
                current = profile_files(
                    files, profile_spec(reference), cluster, root=glob_root(args.current)
                )
    else:
        current = read_table(args.current)
    report = compare(
        reference,
        current,
        alpha=args.alpha,
        delta=args.delta,
        delta_categorical=args.delta_categorical,
        delta_prediction=args.delta_prediction,
        drift_share=args.drift_share,
        correction=args.correction,
        methods=_method_overrides(args.method),
        target=args.target,
        prediction=args.prediction,
        categorical=args.categorical,
        ignore=args.ignore,
        multivariate=multivariate,
    )
    if args.format == "html":
        from monitor.engine.html_report import write_html

        path = write_html(report, args.out)
        print(f"{headline(report)}\nreport -> {path}")
    else:
        text = (
            json.dumps(report.to_dict(), indent=2) if args.format == "json" else render_text(report)
        )
        if args.out:
            _write(args.out, text + "\n")
            print(f"{headline(report)}\nreport -> {args.out}")
        else:
            print(text)
    joint_drift = report.multivariate is not None and report.multivariate.drifted
    return EXIT_DRIFT if report.drifted_columns or joint_drift else EXIT_OK


def _write(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise DriftlineError(
            f"--out {path!r}: cannot write the report ({exc.strerror or type(exc).__name__}); "
            "give a file in an existing, writable folder"
        ) from None


EXIT_BROKEN_PIPE: Final = 141
"""The reader of standard output went away (``driftline check ... | head``): what a shell
reports for a process ended by SIGPIPE, and no traceback, as other Unix tools do."""


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # Python flushes stdout again at exit; point it at /dev/null so that flush cannot
        # raise a second time (the recipe in the signal module's documentation).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "baseline" and args.baseline_command == "log":
            return _baseline_log(args)
        if args.command == "baseline":
            return _baseline_build(args)
        if args.command == "check":
            return _check(args)
        return run_service_command(args)
    except DriftlineError as exc:
        print(f"driftline: error: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
