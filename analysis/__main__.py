"""Command line: ``python -m analysis build | figures | report | docs | add | evaluate-loader``."""

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
    build.add_argument(
        "--out-dir",
        type=Path,
        default=None,
        help="where the tables go (default: data/processed/); figures then go to OUT_DIR/figures",
    )
    build.add_argument(
        "--figures-dir",
        type=Path,
        default=None,
        help="where the figures go (default: figures/, or OUT_DIR/figures with --out-dir)",
    )
    variant = build.add_argument_group(
        "variant", "build with your own rule files; needs an --out-dir of its own "
        "(see analysis/build_variants.py)")
    variant.add_argument(
        "--user-dict",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a jieba user dictionary read after the shipped analysis/data/userdict.txt "
        "(extends it; repeat for several, read in order)",
    )
    variant.add_argument(
        "--no-shipped-dict",
        action="store_true",
        help="leave the shipped dictionary out (needs --user-dict; its policy terms are split)",
    )
    variant.add_argument(
        "--stopwords",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a one-word-per-line list removed on top of the shipped stopword lists "
        "(extends them; repeat for several)",
    )
    variant.add_argument(
        "--codebook",
        type=Path,
        default=None,
        metavar="FILE",
        help="a codebook YAML file replacing analysis/data/codebook.yml",
    )
    build.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="worker processes for per-plan stages (default: all CPUs)",
    )
    build.add_argument(
        "--scheduler",
        default=None,
        help="Dask scheduler address: run the table steps on that cluster "
        "(default: $ANALYSIS_DASK_SCHEDULER, else local)",
    )
    build.add_argument(
        "--force",
        action="store_true",
        help="run every step even if its inputs and outputs are unchanged since the last build",
    )
    build.add_argument("--quiet", action="store_true", help="print nothing but errors")
    build.add_argument("--csv", action="store_true",
                       help="write CSV for every table (default: tables of more than "
                            "config.CSV_MAX_ROWS rows as Parquet only)")
    build.add_argument(
        "--no-resume",
        action="store_true",
        help="start over instead of continuing an interrupted build from its last finished step",
    )
    build.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bars for the per-plan stages (default: only when standard error "
        "is a terminal and not --quiet)",
    )
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
    docs = commands.add_parser(
        "docs", help="write the API reference (HTML from the docstrings, offline) to docs/api/"
    )
    docs.add_argument("--out", type=Path, default=None,
                      help="output folder (default: docs/api)")
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


def _build_dirs(out_dir: Path | None, figures_dir: Path | None) -> tuple[Path, Path]:
    """The tables and figures folders of a build: a given --out-dir keeps its figures inside."""
    if out_dir is None or out_dir.resolve() == config.PROCESSED_DIR.resolve():
        return config.PROCESSED_DIR, figures_dir or config.FIGURES_DIR
    return out_dir, figures_dir or out_dir / "figures"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from analysis.build_variants import VariantError
    from analysis.corpus.load import ManifestError
    from analysis.corpus.read import ReadError

    try:
        if args.command == "build":
            from analysis.build import build

            out_dir, figures_dir = _build_dirs(args.out_dir, args.figures_dir)
            build(
                raw_dir=args.raw_dir,
                out_dir=out_dir,
                figures_dir=figures_dir,
                n_jobs=args.jobs,
                scheduler=args.scheduler,
                force=args.force,
                verbose=not args.quiet,
                progress=args.progress,
                resume=not args.no_resume,
                user_dicts=args.user_dict,
                shipped_dict=not args.no_shipped_dict,
                stopword_files=args.stopwords,
                codebook=args.codebook,
                csv=args.csv,
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
        if args.command == "docs":
            from analysis.docs import DEFAULT_DOCS_DIR, build_docs

            out_dir = args.out or DEFAULT_DOCS_DIR
            written = build_docs(out_dir=out_dir)
            print(f"wrote {len(written)} files; open {out_dir / 'index.html'}")
            return 0
        if args.command == "add":
            from analysis.corpus.load import summarise_plan
            from analysis.ingest import add as ingest

            return ingest.run(args, summarise=summarise_plan)
        if args.command == "evaluate-loader":
            from analysis import evaluate_loader

            return evaluate_loader.run(args)
    except (ReadError, ManifestError, VariantError) as error:
        # Bad input is the user's to fix: say what and where, no traceback.
        print(f"error: {error}", file=sys.stderr)
        return 2
    raise AssertionError(f"unhandled command {args.command!r}")  # argparse rejects unknown ones


if __name__ == "__main__":
    sys.exit(main())
