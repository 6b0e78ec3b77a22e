"""The stages the benchmark times, and how it measures time and memory.

Each stage is one small adapter that calls the package's public verbs the way
the build does and returns the number of characters it processed.  A stage
whose module does not exist yet is reported as ``absent`` (the benchmark
grows with the build: add an adapter here when a module lands); a stage that
raises is reported as ``error`` with the message, and the stages that need its
output as ``skipped``.  Nothing here changes what the package computes.

Memory
------
``resource.getrusage`` gives the peak resident set of this process
(``RUSAGE_SELF``) and of the *largest single* finished child
(``RUSAGE_CHILDREN``), not the sum of pool workers alive at the same time.
So when psutil is installed, :class:`TreeMemory` also samples the summed RSS
of this process and all its descendants every 50 ms, per stage.  RSS counts
pages shared between a forked parent and its workers once per process, so the
summed figure is an upper bound.

Where the platform reports it (Linux: ``memory_full_info().pss``, read from
``/proc/<pid>/smaps_rollup``), the same samples also sum the *proportional*
set size: each shared page is divided among the processes that map it, so
the summed PSS of a process tree counts every page once -- the memory the tree
really holds.  Elsewhere (macOS, Windows, or when ``/proc`` is not readable)
the PSS columns are empty and :data:`MEMORY_METHOD` says why.
"""

from __future__ import annotations

import importlib.util
import inspect
import resource
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

try:  # psutil is optional: without it only getrusage is reported.
    import psutil
except ModuleNotFoundError:
    psutil = None



def _pss_note() -> str:
    """Empty when PSS can be read here; otherwise why not."""
    if psutil is None:
        return "psutil is not installed"
    try:
        info = psutil.Process().memory_full_info()
    except (psutil.AccessDenied, NotImplementedError, OSError) as error:
        return f"memory_full_info() failed: {type(error).__name__}"
    if not hasattr(info, "pss"):
        return "this platform reports no PSS (memory_full_info() has no pss; Linux only)"
    return ""


PSS_NOTE: str = _pss_note()
PSS_AVAILABLE: bool = not PSS_NOTE

MEMORY_METHOD = (
    ("psutil: summed RSS and summed PSS (proportional set size) of the process tree, "
     "sampled every 50 ms" if PSS_AVAILABLE else
     f"psutil: summed RSS of the process tree, sampled every 50 ms; no PSS ({PSS_NOTE})")
    if psutil is not None else
    "resource.getrusage ru_maxrss (self, and largest single child); no PSS (psutil is not "
    "installed)")


# --------------------------------------------------------------------------- measuring


class TreeMemory:
    """Peak summed RSS and PSS (bytes) of this process and its descendants, sampled in a thread.

    The two peaks are tracked apart (they need not fall on the same sample).
    PSS is summed only where :data:`PSS_AVAILABLE`.
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self._peak = 0
        self._peak_pss = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._me = psutil.Process() if psutil is not None else None

    def _sample(self) -> tuple[int, int]:
        rss = pss = 0
        procs = [self._me, *self._me.children(recursive=True)]
        for proc in procs:
            try:
                if PSS_AVAILABLE:
                    info = proc.memory_full_info()
                    pss += info.pss
                else:
                    info = proc.memory_info()
                rss += info.rss
            except (psutil.NoSuchProcess, psutil.AccessDenied, ProcessLookupError):
                continue  # a worker that exited between listing and reading
        return rss, pss

    def _record(self) -> None:
        rss, pss = self._sample()
        self._peak = max(self._peak, rss)
        self._peak_pss = max(self._peak_pss, pss)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._record()

    def __enter__(self) -> TreeMemory:
        if self._me is not None:
            self._record()
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._record()

    def take_peaks(self) -> tuple[float | None, float | None]:
        """Peak summed RSS and PSS since the last call, in MiB; restarts both peaks.

        RSS is ``None`` without psutil, PSS ``None`` where it cannot be read
        (:data:`PSS_NOTE`).
        """
        if self._me is None:
            return None, None
        self._record()
        rss, pss = self._peak, self._peak_pss
        self._peak = self._peak_pss = 0
        return rss / 2**20, (pss / 2**20 if PSS_AVAILABLE else None)

    def take_peak(self) -> float | None:
        """The RSS peak since the last call, in MiB (``None`` without psutil); restarts both."""
        return self.take_peaks()[0]


def rusage_peaks_mib() -> dict[str, float]:
    """ru_maxrss of this process and of the largest finished child, in MiB (Linux: KiB units)."""
    return {
        "maxrss_self_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "maxrss_children_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


# --------------------------------------------------------------------------- stages


@dataclass(frozen=True)
class Stage:
    """One timed step: ``run(ctx)`` stores its outputs in ``ctx`` and returns characters seen."""

    name: str
    module: str
    needs: tuple[str, ...]
    per_document: bool
    run: Callable[[dict], int]
    what: str


def _unit_chars(ctx: dict) -> int:
    return int(ctx["units"]["n_chars"].sum())


def _load(ctx: dict) -> int:
    from analysis.corpus.load import load_corpus

    corpus = load_corpus(ctx["manifest"], raw_dir=ctx["raw_dir"], n_jobs=ctx["jobs"])
    ctx["units"] = corpus.units
    return int(corpus.regions["n_chars_read"].sum())


def _themes(ctx: dict) -> int:
    from analysis.coding import themes

    coded = themes.code_units(ctx["units"])
    themes.theme_by_region(coded, level="theme")
    themes.theme_by_region(coded, level="domain")
    themes.fallback_summary(coded)
    ctx["coded"] = coded
    return _unit_chars(ctx)


def _targets(ctx: dict) -> int:
    from analysis.coding.targets import extract_targets

    extract_targets(ctx["units"])
    return _unit_chars(ctx)


def _instruments(ctx: dict) -> int:
    from analysis.coding.instruments import code_instruments, instrument_table

    coded = code_instruments(ctx["coded"])
    instrument_table(coded)
    return _unit_chars(ctx)


def _modality(ctx: dict) -> int:
    from analysis.coding.modality import classify_modality, modality_table

    modality_table(classify_modality(ctx["coded"]))
    return _unit_chars(ctx)


def _citations(ctx: dict) -> int:
    from analysis.coding.citations import citation_network, extract_citations, shared_citations

    citations = extract_citations(ctx["units"])
    citation_network(citations)
    shared_citations(citations)
    return _unit_chars(ctx)


def _tokens(ctx: dict) -> int:
    # As the build does it: every unit segmented; the statistics downstream use
    # the plan part's content words (stopwords removed) and the plan units.
    from analysis.text.tokens import remove_stopwords, tokens_from_units

    units = ctx["units"]
    options = {"cache_dir": ctx["cache_dir"], "n_jobs": ctx["jobs"], "progress": False}
    ctx["tokens"] = tokens = tokens_from_units(units, **options)
    plan_ids = set(units.loc[units["part"] == "plan", "unit_id"])
    ctx["content"] = remove_stopwords(tokens[tokens["unit_id"].isin(plan_ids)])
    return _unit_chars(ctx)


def _plan_units(ctx: dict):
    coded = ctx["coded"]
    return coded[coded["part"] == "plan"]


def _keyness(ctx: dict) -> int:
    # As the build does it: absent tokens listed only up to
    # config.KEYNESS_ABSENT_MAX_REGIONS regions (when that setting exists).
    from analysis import config
    from analysis.text.cooccurrence import cooccurrence
    from analysis.text.keyness import keyness_by_region, keyword_frequencies

    content = ctx["content"]
    keyword_frequencies(content)
    limit = getattr(config, "KEYNESS_ABSENT_MAX_REGIONS", None)
    if limit is None:
        keyness_by_region(content)
    else:
        keyness_by_region(content, include_absent=content["region_id"].nunique() <= limit)
    cooccurrence(content)
    return _unit_chars(ctx)


def _similarity(ctx: dict) -> int:
    from analysis.text.clustering import region_linkage
    from analysis.text.similarity import similarity_by_theme, similarity_regions

    pairs = similarity_regions(ctx["content"])
    region_linkage(pairs)
    similarity_by_theme(ctx["content"], _plan_units(ctx))
    return _unit_chars(ctx)


def _alignment(ctx: dict) -> int:
    from analysis.text.alignment import passage_alignment

    passage_alignment(ctx["content"], _plan_units(ctx))
    return _unit_chars(ctx)


def _reuse(ctx: dict) -> int:
    from analysis.text.reuse import text_reuse

    ctx["reuse"] = text_reuse(_plan_units(ctx))
    return _unit_chars(ctx)


def _topics(ctx: dict) -> int:
    # The build's own topics step (k selection over its models, then the fits)
    # when it exists; otherwise the module's defaults.
    import analysis.steps as steps_module

    if hasattr(steps_module, "topics_step"):
        columns = list(getattr(steps_module, "PLAN_UNIT_COLUMNS", ctx["coded"].columns))
        steps_module.topics_step({"content_tokens": ctx["content"], "themed_units": ctx["coded"],
                                  "plan_units": _plan_units(ctx)[columns]})
        return _unit_chars(ctx)
    from analysis import config
    from analysis.text.topics import fit_topics, topic_k_selection

    selection = topic_k_selection(ctx["content"], random_state=config.RANDOM_STATE)
    for row in selection[selection["chosen"]].itertuples(index=False):
        fit_topics(ctx["content"], _plan_units(ctx), k=int(row.k), model=row.model,
                   random_state=config.RANDOM_STATE)
    return _unit_chars(ctx)


STAGES: tuple[Stage, ...] = (
    Stage("load", "analysis.corpus.load", (), True, _load,
          "read + chrome + repair + normalise + structure (load_corpus)"),
    Stage("themes", "analysis.coding.themes", ("units",), False, _themes,
          "code_units + theme_by_region (theme, domain) + fallback_summary"),
    Stage("targets", "analysis.coding.targets", ("units",), False, _targets, "extract_targets"),
    Stage("instruments", "analysis.coding.instruments", ("coded",), False, _instruments,
          "code_instruments + instrument_table"),
    Stage("modality", "analysis.coding.modality", ("coded",), False, _modality,
          "classify_modality + modality_table"),
    Stage("citations", "analysis.coding.citations", ("units",), False, _citations,
          "extract_citations + citation_network + shared_citations"),
    Stage("tokens", "analysis.text.tokens", ("units",), True, _tokens,
          "tokens_from_units (cached per document) + remove_stopwords (plan part)"),
    Stage("keyness", "analysis.text.keyness", ("content",), False, _keyness,
          "keyword_frequencies + keyness_by_region + cooccurrence (as the build)"),
    Stage("similarity", "analysis.text.similarity", ("content", "coded"), False, _similarity,
          "similarity_regions + region_linkage + similarity_by_theme"),
    Stage("alignment", "analysis.text.alignment", ("content", "coded"), False, _alignment,
          "passage_alignment (unit x unit, AllPairs-filtered)"),
    Stage("reuse", "analysis.text.reuse", ("coded",), False, _reuse,
          "text_reuse (character shingles, stock phrases, near-verbatim spans)"),
    Stage("topics", "analysis.text.topics", ("content", "coded"), False, _topics,
          "the build's topics_step: topic_k_selection + fit_topics (NMF and LDA)"),
)

# Modules the issue names that have no adapter yet: reported as "absent" while
# missing, and as "no adapter" once they exist, so the gap stays visible.
PENDING_MODULES: tuple[tuple[str, str], ...] = ()
# Figure modules that are infrastructure, not figure families.
FIGURE_INFRASTRUCTURE: frozenset[str] = frozenset({"fonts", "labels", "save", "style"})


def module_present(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


@dataclass
class StageResult:
    stage: str
    status: str            # ok | absent | skipped | error | no adapter | running
    wall_s: float | None = None
    cpu_s: float | None = None
    n_chars: int | None = None
    peak_mib: float | None = None
    per_document: bool = False
    detail: str = ""
    started_s: float | None = None  # seconds after the stages began
    peak_pss_mib: float | None = None


def run_stages(ctx: dict, *, only: set[str] | None = None, skip: set[str] | None = None,
               log: Callable[[str], None] = print,
               report: Callable[[list[StageResult]], None] | None = None) -> list[StageResult]:
    """Run every stage in order on ``ctx``; one result per stage (and per pending module).

    ``report`` is called with the results so far before and after every stage
    (the stage about to run appears as ``running``), so a caller that stops a
    stage that takes too long still knows everything measured before it.
    """
    results: list[StageResult] = []
    began = time.perf_counter()

    def tell(extra: list[StageResult] = ()) -> None:
        if report is not None:
            report([*results, *extra])

    with TreeMemory() as memory:
        for stage in STAGES:
            if (only and stage.name not in only) or (skip and stage.name in skip):
                continue
            if not module_present(stage.module):
                results.append(StageResult(stage.name, "absent", per_document=stage.per_document,
                                           detail=f"{stage.module} does not exist"))
                continue
            missing = [key for key in stage.needs if key not in ctx]
            if missing:
                results.append(StageResult(stage.name, "skipped", per_document=stage.per_document,
                                           detail=f"needs {', '.join(missing)}"))
                continue
            memory.take_peaks()
            cpu0, t0 = cpu_seconds(), time.perf_counter()
            tell([StageResult(stage.name, "running", per_document=stage.per_document,
                              detail=stage.what, started_s=t0 - began)])
            try:
                n_chars = stage.run(ctx)
            except Exception as error:  # reported in results.csv, not hidden
                log(f"[{stage.name}] FAILED: {error!r}\n{traceback.format_exc()}")
                results.append(StageResult(stage.name, "error", per_document=stage.per_document,
                                           detail=f"{type(error).__name__}: {error}"[:300],
                                           started_s=t0 - began))
                tell()
                continue
            wall = time.perf_counter() - t0
            peak, peak_pss = memory.take_peaks()
            result = StageResult(stage.name, "ok", wall, cpu_seconds() - cpu0, n_chars,
                                 peak, stage.per_document, stage.what, t0 - began, peak_pss)
            log(f"[{stage.name}] {wall:.2f} s")
            results.append(result)
            tell()
    for name, module in PENDING_MODULES:
        present = module_present(module)
        results.append(StageResult(
            name, "no adapter" if present else "absent",
            detail=(f"{module} exists: add an adapter in benchmarks/stages.py" if present
                    else f"{module} does not exist")))
    families = figure_families()
    results.append(StageResult(
        "figures", "no adapter" if families else "absent",
        detail=(f"figure modules {', '.join(families)}: timed only inside the build; add an "
                "adapter in benchmarks/stages.py" if families else
                "no figure-family module in analysis/figures yet")))
    tell()
    return results


def figure_families() -> list[str]:
    """Modules of ``analysis.figures`` other than its infrastructure (font, labels, saving)."""
    spec = importlib.util.find_spec("analysis.figures")
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = Path(next(iter(spec.submodule_search_locations)))
    return sorted(p.stem for p in folder.glob("*.py")
                  if not p.stem.startswith("_") and p.stem not in FIGURE_INFRASTRUCTURE)


def instrument_build(memory: TreeMemory, report: Callable[[list[dict]], None]) -> list[dict]:
    """Time each step of the real build by wrapping its step functions in place.

    Wraps ``analysis.build.load_corpus``, every module-level ``*_step``
    function of :mod:`analysis.steps` and ``analysis.figures.make_all_figures``
    (looked up by ``build()`` when it runs, so the wrappers are what it calls).
    Returns the list that fills with one record per step as the build runs;
    ``report`` gets it after every step (and with the running step before).
    """
    import functools

    import analysis.build as build_module
    import analysis.steps as steps_module

    records: list[dict] = []
    began = time.perf_counter()

    def wrap(name: str, func: Callable) -> Callable:
        @functools.wraps(func)
        def timed(*args: object, **kwargs: object) -> object:
            memory.take_peaks()
            t0 = time.perf_counter()
            report([*records, {"step": name, "status": "running", "started_s": t0 - began}])
            result = func(*args, **kwargs)
            wall = time.perf_counter() - t0
            peak, peak_pss = memory.take_peaks()
            records.append({"step": name, "status": "ok", "wall_s": wall, "peak_mib": peak,
                            "peak_pss_mib": peak_pss, "started_s": t0 - began})
            report(records)
            return result
        return timed

    step_names = [n for n, f in vars(steps_module).items() if n.endswith("_step") and callable(f)]
    build_module.load_corpus = wrap("load_corpus", build_module.load_corpus)
    for name in sorted(step_names, key=lambda n: getattr(steps_module, n).__code__.co_firstlineno):
        setattr(steps_module, name, wrap(name, getattr(steps_module, name)))
    if module_present("analysis.figures"):
        import analysis.figures as figures_module

        if hasattr(figures_module, "make_all_figures"):
            figures_module.make_all_figures = wrap("make_all_figures",
                                                   figures_module.make_all_figures)
    return records


def build_call(build: Callable, *, raw_dir: Path, out_dir: Path, figures_dir: Path,
               jobs: int | None) -> Callable[[], object]:
    """A no-argument call of ``analysis.build.build`` on the benchmark corpus.

    Passes ``figures_dir`` only if the build accepts it, so a benchmark never
    writes into the repository's ``figures/``.
    """
    accepted = inspect.signature(build).parameters
    options: dict[str, object] = {"raw_dir": raw_dir, "out_dir": out_dir, "n_jobs": jobs,
                                  "verbose": False}
    if "figures_dir" in accepted:
        options["figures_dir"] = figures_dir
    return lambda: build(**options)

