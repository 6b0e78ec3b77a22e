"""Command line: ``python -m analysis build | figures | add | evaluate-loader``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis import config


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Build the tidy tables and figures of the education-plan corpus.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser(
        "build", help="regenerate data/processed/ (and figures/) from data/raw/"
    )
    build.add_argument("--raw-dir", type=Path, default=config.RAW_DIR)
    build.add_argument("--out-dir", type=Path, default=config.PROCESSED_DIR)
    build.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="worker processes for per-plan stages (default: all CPUs)",
    )
    build.add_argument(
        "--scheduler",
        default=None,
        help="Dask scheduler address for per-plan stages "
        "(default: $ANALYSIS_DASK_SCHEDULER, else local)",
    )
    build.add_argument(
        "--force",
        action="store_true",
        help="run every step even if its inputs and outputs are unchanged since the last build",
    )
    build.add_argument("--quiet", action="store_true", help="print nothing but errors")
    figures = commands.add_parser(
        "figures", help="redraw only the figures (figures/) from data/processed/"
    )
    figures.add_argument("--processed-dir", type=Path, default=config.PROCESSED_DIR)
    figures.add_argument("--out-dir", type=Path, default=config.FIGURES_DIR)
    figures.add_argument("--lang", choices=("both", "zh", "en"), default="both",
                         help="label language (default: both, one file each)")
    figures.add_argument("--svg", action="store_true", help="also write SVG files")
    report = commands.add_parser(
        "report", help="execute the notebooks and write them as self-contained HTML pages"
    )
    report.add_argument("--out", type=Path, default=None,
                        help="output folder (default: docs/report/<lang>)")
    report.add_argument("--lang", choices=("zh", "en"), default="zh",
                        help="language of figure labels and table headers (default: zh)")
    from analysis.ingest import add as ingest

    ingest.configure_parser(
        commands.add_parser(
            "add",
            help="add a plan (.txt, .html, .docx, .pdf) to data/raw/ and the manifest, "
            "and show what the loader finds",
        )
    )
    from analysis import evaluate_loader

    evaluate_loader.configure_parser(
        commands.add_parser(
            "evaluate-loader",
            help="render the loader development set, load it and score the loader",
        )
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from analysis.corpus.load import ManifestError
    from analysis.corpus.read import ReadError

    try:
        if args.command == "build":
            from analysis.build import build

            build(
                raw_dir=args.raw_dir,
                out_dir=args.out_dir,
                n_jobs=args.jobs,
                scheduler=args.scheduler,
                force=args.force,
                verbose=not args.quiet,
            )
            return 0
        if args.command == "figures":
            from analysis.figures import make_all_figures

            make_all_figures(args.processed_dir, args.out_dir, lang=args.lang, svg=args.svg)
            return 0
        if args.command == "report":
            from analysis.report import write_report

            write_report(out_dir=args.out, lang=args.lang)
            return 0
        if args.command == "add":
            from analysis.corpus.load import summarise_plan
            from analysis.ingest import add as ingest

            return ingest.run(args, summarise=summarise_plan)
        if args.command == "evaluate-loader":
            from analysis import evaluate_loader

            return evaluate_loader.run(args)
    except (ReadError, ManifestError) as error:
        # Bad input is the user's to fix: say what and where, no traceback.
        print(f"error: {error}", file=sys.stderr)
        return 2
    raise AssertionError(f"unhandled command {args.command!r}")  # argparse rejects unknown ones


if __name__ == "__main__":
    sys.exit(main())
