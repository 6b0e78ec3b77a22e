"""Every path and default the package uses, in one place.

Paths are resolved from the repository root so that the CLI, the tests and the
notebooks agree whatever the working directory is.  Nothing else in the package
builds a path from a literal.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT: Path = Path(__file__).resolve().parent.parent

DATA_DIR: Path = ROOT / "data"
RAW_DIR: Path = DATA_DIR / "raw"
PROCESSED_DIR: Path = DATA_DIR / "processed"
MANIFEST_PATH: Path = RAW_DIR / "manifest.csv"
FIGURES_DIR: Path = ROOT / "figures"
NOTEBOOKS_DIR: Path = ROOT / "notebooks"
BENCHMARKS_DIR: Path = ROOT / "benchmarks"

# Editable rule files (codebook, dictionaries, stopwords, chrome and repair
# rules).  They ship inside the package so an installed copy finds them too.
RULES_DIR: Path = Path(__file__).resolve().parent / "data"
CHROME_RULES_PATH: Path = RULES_DIR / "chrome_rules.yml"
SPIN_RULES_PATH: Path = RULES_DIR / "spin_repairs.yml"
STRUCTURE_RULES_PATH: Path = RULES_DIR / "structure_rules.yml"

# Project-local cache (segmentation cache, jieba's own dictionary cache).
CACHE_DIR: Path = Path(os.environ.get("ANALYSIS_CACHE_DIR", ROOT / ".cache"))

# One seed for everything random (topic models, sampling, word-cloud layout).
RANDOM_STATE: int = 20210914

# Raw files larger than this are refused before they are read (bytes).
MAX_RAW_BYTES: int = 50 * 1024 * 1024

# A document whose spin score reaches this is treated as spun and repaired.
SPIN_THRESHOLD: float = 0.5

# --- ingest: format extraction and safety limits (analysis/ingest/safety.py) ---
# A .docx is a zip package; these bound what opening one may unpack, so a zip
# bomb is refused before python-docx reads it.  Real plans use a few MB.
MAX_ZIP_MEMBERS: int = 2000
MAX_ZIP_MEMBER_BYTES: int = 64 * 1024 * 1024
MAX_ZIP_TOTAL_BYTES: int = 256 * 1024 * 1024
# Word XML compresses about 5–20:1; bombs reach 1000:1.  Checked only for
# members larger than ZIP_RATIO_MIN_BYTES (small files can compress further).
MAX_ZIP_RATIO: int = 100
ZIP_RATIO_MIN_BYTES: int = 1024 * 1024

# Region-vs-rest keyness lists tokens a region never uses (its negative
# keywords) only up to this many regions; beyond it that table would have
# regions × vocabulary rows, so only tokens each region uses are listed.
KEYNESS_ABSENT_MAX_REGIONS: int = 50

# Passage alignment (analysis/text/alignment.py): safe defaults at any scale.  With
# hundreds of near-identical plans every unit matches a unit in most other
# plans, so the table would grow with units × regions (35 million rows at
# 1,000 synthetic plans).  Each unit keeps its best ALIGNMENT_MAX_MATCHES other
# plans; beyond ALIGNMENT_MAX_REGIONS_AT_MIN_SCORE plans the default threshold
# rises from ALIGNMENT_MIN_SCORE to ALIGNMENT_MIN_SCORE_LARGE, which makes the
# exact search about five times faster (measured at 1,000 plans: 0.24 s per
# plan at 0.3, 0.05 s at 0.5).
ALIGNMENT_MAX_MATCHES: int = 5
ALIGNMENT_MIN_SCORE: float = 0.3
ALIGNMENT_MIN_SCORE_LARGE: float = 0.5
ALIGNMENT_MAX_REGIONS_AT_MIN_SCORE: int = 100

# Topic models (analysis/text/topics.py).  An NMF fit on more than TOPICS_MINIBATCH_UNITS
# units uses MiniBatchNMF over batches of TOPICS_MINIBATCH_BATCH_SIZE units, whose work
# per update is one batch rather than the whole unit x term matrix (LDA is online,
# mini-batches of 512 units, at any size).  The build fits on a sample of at most
# 20,000 units (topics' ``max_fit_units``), below this threshold, so its topics are
# the full-batch fits at any corpus size; the threshold matters when a fit is asked
# for on more units (``max_fit_units=None`` fits every unit).  50,000 units is about
# 150 synthetic plans; a full-batch NMF there holds several dense units x k copies
# and takes minutes per k.
TOPICS_MINIBATCH_UNITS: int = 50_000
TOPICS_MINIBATCH_BATCH_SIZE: int = 2_048

# --- Outputs that scale (analysis/text/similarity.py, neighbours.py, analysis/io.py) ---
# All-pairs tables grow with the square of the plans (similarity_by_theme: 12.5
# million rows, 1.3 GB of CSV at 1,000 plans).  Up to PAIRWISE_MAX_REGIONS plans the
# build writes similarity_regions and similarity_by_theme with every pair (45,000
# pairs per theme at 300); beyond it they are written empty, with their columns,
# and the neighbour tables (each plan's NEIGHBOURS_K most similar plans, overall
# and per theme, always written) take their place.  The same threshold bounds the
# searches that compare plans pairwise: beyond it passage_alignment and text_reuse
# search each plan only against its NEIGHBOURS_K nearest plans (the pairs of
# similarity_neighbours, either direction; analysis/steps.py alignment_step,
# reuse_step), so their time and memory grow with plans x NEIGHBOURS_K, not with
# the square of the plans, and table_notes says so.
PAIRWISE_MAX_REGIONS: int = 300
NEIGHBOURS_K: int = 10
# region_linkage needs every pairwise distance: N(N-1)/2 floats (100 MB at 5,000
# plans) and scipy's O(N^2) clustering.  Beyond this many plans it is skipped
# (empty tables, and the build says so).
LINKAGE_MAX_REGIONS: int = 5000
# A table with more rows than CSV_MAX_ROWS is written as Parquet only, unless
# CSV is asked for (`build --csv`): a CSV of millions of rows is slow to write
# and few tools open it whole.
CSV_MAX_ROWS: int = 1_000_000
# The tables readers filter by plan (schema.PARTITION_COLUMNS) with more rows than
# PARTITION_MIN_ROWS are written as a folder of Parquet files, one per plan
# (hive style, `<stem>/region_id=<id>/part-0.parquet`), so reading one plan's rows
# touches one file.
PARTITION_MIN_ROWS: int = 1_000_000
