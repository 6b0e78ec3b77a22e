"""Topic models over sentence (or item) units: NMF, with LDA for comparison.

Documents are units (one row of the units table each); their tokens come from
the tokens table and reach scikit-learn's ``TfidfVectorizer`` through an
identity callable analyzer (see :mod:`analysis.text.similarity`).

* **NMF** (Lee & Seung 1999) factorises the unit x term TF-IDF matrix
  (L2-normalised rows) into unit x topic and topic x term weights, by
  multiplicative updates (Frobenius loss, at most 400 iterations, tolerance
  1e-4) from an NNDSVDa start (Boutsidis & Gallopoulos 2008).  NNDSVDa is
  computed from scikit-learn's *randomized* truncated SVD, whose Gaussian
  test matrix is drawn from ``random_state``: the same seed gives the same
  topics, but another seed gives a slightly different start, and the updates
  can end in a different local optimum with different top terms.
  Multiplicative updates were chosen over coordinate
  descent because they were about four times faster for the same topics
  (on 20,000 government-report sentences a k-selection run took 44 s instead
  of 169 s and chose the same k).
* **LDA** (Blei, Ng & Jordan 2003) is fitted to raw term counts (the same
  vectorizer with ``use_idf=False, norm=None``) by online variational Bayes
  (Hoffman, Blei & Bach 2010; 10 passes, mini-batches of 512 units).  The
  seed draws the starting topic-term weights (Gamma(100, 1/100)) and each
  unit's starting topic weights in the E-steps of the fit, so LDA's topics
  depend on it far more than NMF's.

How much the topics depend on the seed is measured, not assumed
(:func:`topic_seed_agreement`): the same model is refitted with several seeds
on the same units and every pair of fits is compared by the agreement used for
stability below.  Cite topics together with that agreement.

Both are fitted on at most ``max_units`` / ``max_fit_units`` units (a seeded
random sample when there are more) and then applied to every unit, so cost is
bounded on large collections.  BLAS runs single-threaded during fits, which
is faster on these matrix sizes and keeps results independent of the
machine's core count.  The many independent fits (a k-selection curve, the
seeds of :func:`topic_seed_agreement`, both models in :func:`topic_models`)
and LDA's topic weights of every unit can instead share ``n_jobs`` processes,
with the same numbers as in one process (tests check it).

Large fits.  The sample above is what keeps the build's topics affordable at
any corpus size: with the default 20,000 units the fits cost the same at 1,000
or 30,000 plans, and only applying the model to every unit (``transform``)
grows with N.  A fit on more units -- ``max_fit_units`` raised, or None for
every unit -- switches, beyond ``config.TOPICS_MINIBATCH_UNITS`` (50,000)
units, to mini-batch estimators whose work per update is one batch, not the
whole matrix: NMF by scikit-learn's ``MiniBatchNMF`` (Lefevre, Bach & Fevotte
2011; the same Frobenius loss and NNDSVDa start, batches of
``config.TOPICS_MINIBATCH_BATCH_SIZE`` = 2,048 units, at most 200 passes,
stopped after 10 batches without improvement; fixed ``random_state``).  LDA
needs no switch: its online variational Bayes already updates the topics
from mini-batches of 512 units, holding one batch's unit-topic weights at a
time (larger batches were tried: 2,048 units made a 6,000-unit planted
corpus twice as slow, for the same topics).  Below the threshold NMF is the
full-batch fit above, unchanged.  Mini-batch topics are
close to, not identical with, full-batch ones; the tests measure their
agreement on planted topics.  :func:`topic_k_selection` decides once per
curve (from its reference set), so the subsample fits it compares are fitted
the same way as the reference.

Choosing the number of topics (:func:`topic_k_selection`):

* *Stability* (Greene, O'Callaghan & Cunningham 2014): fit a reference model
  on the units, then ``n_seeds`` models on random subsamples of
  ``sample_frac`` of them; compare each subsample's topics with the
  reference's by their top ``top_n`` terms.  Two ranked term lists agree by
  *average Jaccard*, ``AJ(R, S) = (1/t) sum_{d=1..t} |R_d & S_d| / |R_d | S_d|``
  over the top-d prefixes; two models agree by the mean AJ of their topics
  under the best one-to-one matching (Hungarian algorithm).  Stability is the
  mean agreement over subsamples: 1 means every subsample found the same
  topics.
* *Coherence*: mean NPMI (Bouma 2009; Lau, Newman & Baldwin 2014) over all
  pairs of a topic's top ``top_n`` terms, averaged over topics, with
  probabilities counted as the share of units containing a term (or both
  terms); a pair that never co-occurs scores -1.
* *Rule*: among the k whose stability is within ``stability_tolerance`` of the
  best, the one with the highest coherence (ties: the smaller k).

Naming topics (:func:`fit_topics`): a topic's terms are listed by *relevance*
(Sievert & Shirley 2014), not by raw weight, because the heaviest terms of
every topic are the words every plan uses (学校, 教育, 建设, 发展).  For term w
in topic k, with phi_kw the term's share of the topic's term weights and p_w
its share of all term weight in the matrix the model was fitted to (counts for
LDA, TF-IDF weights for NMF),

    relevance(w, k | lambda) = lambda * ln(phi_kw) + (1 - lambda) * ln(phi_kw / p_w)

lambda = 1 ranks by weight alone, lambda = 0 by lift (phi_kw / p_w) alone, which
favours rare terms; Sievert & Shirley's user study found lambda of about 0.6
best for interpreting topics, which is the default (``relevance_lambda``).
Each topic's *label* is its three most relevant terms and its *coverage* the
share of units whose largest topic it is (:data:`schema.TOPIC_LABELS`).  Before
fitting, numbers, single characters and place names are dropped
(:func:`analysis.text.term_filters.filter_terms`), as for keyness.

Every number is reproducible: subsamples and LDA seeds derive from
``random_state``; weights are rounded to ``WEIGHT_DECIMALS`` decimals.

References
----------
Greene, D., O'Callaghan, D. & Cunningham, P. (2014). How many topics?
Stability analysis for topic models. *ECML PKDD 2014*, LNCS 8724, 498-513.
Lee, D. D. & Seung, H. S. (1999). Learning the parts of objects by
non-negative matrix factorization. *Nature* 401, 788-791.
Blei, D. M., Ng, A. Y. & Jordan, M. I. (2003). Latent Dirichlet allocation.
*JMLR* 3, 993-1022.
Hoffman, M., Blei, D. M. & Bach, F. (2010). Online learning for latent
Dirichlet allocation. *NIPS* 23, 856-864.
Lefevre, A., Bach, F. & Fevotte, C. (2011). Online algorithms for nonnegative
matrix factorization with the Itakura-Saito divergence. *IEEE WASPAA 2011*, 313-316.
Boutsidis, C. & Gallopoulos, E. (2008). SVD based initialization: a head start
for nonnegative matrix factorization. *Pattern Recognition* 41(4), 1350-1362.
Bouma, G. (2009). Normalized (pointwise) mutual information in collocation
extraction. *Proceedings of GSCL*, 31-40.
Lau, J. H., Newman, D. & Baldwin, T. (2014). Machine reading tea leaves.
*Proceedings of EACL 2014*, 530-539.
Sievert, C. & Shirley, K. (2014). LDAvis: A method for visualizing and
interpreting topics. *Proceedings of the Workshop on Interactive Language
Learning, Visualization, and Interfaces*, 63-70.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp
from joblib.externals.loky import get_reusable_executor
from scipy.optimize import linear_sum_assignment
from sklearn.decomposition import NMF, LatentDirichletAllocation, MiniBatchNMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.parallel import Parallel, delayed
from threadpoolctl import threadpool_limits

from analysis import config, schema
from analysis.text.similarity import (
    check_tokens,
    documents_from_tokens,
    identity_analyzer,
    unit_themes,
)
from analysis.text.term_filters import filter_terms

__all__ = [
    "average_jaccard", "DEFAULT_SEEDS", "fit_topics", "LABEL_TERMS", "MODELS", "npmi_coherence",
    "ranking_agreement", "RELEVANCE_LAMBDA", "topic_k_selection", "topic_relevance",
    "topic_models", "topic_seed_agreement", "TopicModels", "TopicTables", "unit_matrix",
    "UnitMatrix", "WEIGHT_DECIMALS",
]

WEIGHT_DECIMALS: int = 10
#: Sievert & Shirley's (2014) lambda: the weight of ln(phi) against ln(lift) in relevance.
RELEVANCE_LAMBDA: float = 0.6
#: Terms joined into a topic's label (:data:`schema.TOPIC_LABELS`).
LABEL_TERMS: int = 3
MODELS: tuple[str, ...] = schema.TOPIC_MODELS


def _str_series(values: pa.Array) -> pd.Series:
    """A pandas string column (the default ``str`` dtype) over an Arrow array, no copy."""
    return pd.Series(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _check_allowed(name: str, value: object, allowed: Sequence[object]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {tuple(allowed)}, got {value!r}")


def _check_positive_int(name: str, value: object, low: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def _checked_seeds(seeds: Sequence[int]) -> list[int]:
    """The distinct seeds, sorted; at least two non-negative integers, else ValueError."""
    for seed in seeds:
        _check_positive_int("seeds", seed, 0)
    distinct = sorted({int(s) for s in seeds})
    if len(distinct) < 2:
        raise ValueError(f"seeds must hold at least two distinct integers, got {distinct!r}")
    return distinct


def _check_fit_options(*, k: int, n_top_terms: int, random_state: int,
                       max_fit_units: int | None, minibatch_units: int, n_jobs: int,
                       relevance_lambda: float) -> None:
    """The checks fit_topics and topic_models share, before any fitting."""
    _check_positive_int("k", k, 2)
    _check_positive_int("n_top_terms", n_top_terms)
    _check_positive_int("random_state", random_state, 0)
    if max_fit_units is not None:
        _check_positive_int("max_fit_units", max_fit_units, 2)
    _check_positive_int("minibatch_units", minibatch_units)
    _check_jobs(n_jobs)
    # Checked here, before any fitting, not first inside topic_relevance.
    topic_relevance(np.ones((1, 1)), np.ones(1), relevance_lambda=relevance_lambda)


def _check_jobs(n_jobs: object) -> None:
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or (n_jobs < 1 and n_jobs != -1):
        raise ValueError(f"n_jobs must be a positive integer or -1 (every CPU), got {n_jobs!r}")


# --------------------------------------------------------------------------------------
# Measures
# --------------------------------------------------------------------------------------

def average_jaccard(ranking_a: Sequence[str], ranking_b: Sequence[str]) -> float:
    """Average Jaccard agreement of two ranked term lists (Greene et al. 2014).

    ``AJ = (1/t) * sum over d = 1..t of Jaccard(top-d of a, top-d of b)`` with
    ``t`` the length of the shorter list.
    """
    depth = min(len(ranking_a), len(ranking_b))
    if depth == 0:
        raise ValueError("average_jaccard needs two non-empty rankings")
    total = 0.0
    for d in range(1, depth + 1):
        a, b = set(ranking_a[:d]), set(ranking_b[:d])
        total += len(a & b) / len(a | b)
    return total / depth


def ranking_agreement(
    reference: Sequence[Sequence[str]], other: Sequence[Sequence[str]]
) -> float:
    """Agreement of two topic models given as lists of ranked term lists.

    The mean average-Jaccard score of the topics under the one-to-one matching
    that maximises it (Hungarian algorithm; Greene et al. 2014, eq. 2).
    """
    if len(reference) != len(other) or not reference:
        raise ValueError("ranking_agreement needs two non-empty lists of equal length")
    scores = np.array([[average_jaccard(r, o) for o in other] for r in reference])
    rows, cols = linear_sum_assignment(scores, maximize=True)
    return float(scores[rows, cols].mean())


def npmi_coherence(top_terms: Sequence[Sequence[int]], binary: sp.spmatrix) -> np.ndarray:
    """Mean NPMI over the pairs of each topic's top terms, from unit co-occurrence.

    Parameters
    ----------
    top_terms : one sequence of column indices per topic.
    binary : units x terms matrix, nonzero where a unit contains a term.

    Returns
    -------
    One coherence per topic: the mean over pairs i < j of
    ``NPMI = ln(p_ij / (p_i p_j)) / -ln(p_ij)``, with p the share of units
    containing the term(s); -1 if the pair never co-occurs, +1 if both terms
    are in every unit.
    """
    b = sp.csc_matrix(binary, dtype=np.float64)
    b.data[:] = 1.0
    n_docs = b.shape[0]
    out = []
    for terms in top_terms:
        terms = list(terms)
        if len(terms) < 2:
            raise ValueError("npmi_coherence needs at least two terms per topic")
        cols = b[:, terms]
        together = (cols.T @ cols).toarray() / n_docs
        single = np.diag(together).copy()
        i, j = np.triu_indices(len(terms), k=1)
        p_ij, p_i, p_j = together[i, j], single[i], single[j]
        with np.errstate(divide="ignore", invalid="ignore"):
            npmi = np.log(p_ij / (p_i * p_j)) / -np.log(p_ij)
        npmi = np.where(p_ij == 0, -1.0, npmi)
        npmi = np.where(p_ij == 1, 1.0, npmi)
        out.append(float(npmi.mean()))
    return np.array(out)


def topic_relevance(
    topic_term: np.ndarray, term_share: np.ndarray, *, relevance_lambda: float = RELEVANCE_LAMBDA
) -> np.ndarray:
    """Relevance of each term to each topic (Sievert & Shirley 2014, eq. 1).

    Parameters
    ----------
    topic_term : array (topics x terms)
        phi, each row the topic's distribution over terms (non-negative, rows
        summing to 1; an all-zero row is allowed).
    term_share : array (terms,)
        p_w, the term's share of all term weight in the corpus (positive).
    relevance_lambda : float in [0, 1], default 0.6
        lambda; 1 ranks by phi alone, 0 by lift phi / p_w alone.

    Returns
    -------
    array (topics x terms)
        ``lambda * ln(phi) + (1 - lambda) * ln(phi / p_w)``; minus infinity where
        phi is 0 (such a term is never relevant).
    """
    if isinstance(relevance_lambda, bool) or not isinstance(
            relevance_lambda, int | float | np.floating) or not 0.0 <= relevance_lambda <= 1.0:
        raise ValueError(f"relevance_lambda must be a number in [0, 1], got {relevance_lambda!r}")
    phi = np.asarray(topic_term, dtype=float)
    p = np.asarray(term_share, dtype=float)
    if phi.ndim != 2 or p.shape != (phi.shape[1],):
        raise ValueError("topic_term must be topics x terms and term_share one value per term")
    if (phi < 0).any() or (p <= 0).any():
        raise ValueError("topic_term must be non-negative and term_share positive")
    with np.errstate(divide="ignore"):
        log_phi = np.log(phi)
    return relevance_lambda * log_phi + (1.0 - relevance_lambda) * (log_phi - np.log(p))


# --------------------------------------------------------------------------------------
# Matrices and fits
# --------------------------------------------------------------------------------------

class UnitMatrix(NamedTuple):
    """Unit x term matrix for one model, with its rows, terms, description and vectorizer."""

    matrix: sp.csr_matrix
    unit_ids: np.ndarray
    terms: np.ndarray
    weighting: str
    vectorizer: TfidfVectorizer


def unit_matrix(
    tokens: pd.DataFrame, *, model: str, unit_ids: Sequence[str] | None = None,
    min_df: int | float = 2, max_df: int | float = 0.5,
) -> UnitMatrix:
    """The matrix a topic model is fitted to: TF-IDF for NMF, counts for LDA.

    Units left without any term after ``min_df``/``max_df`` pruning are dropped
    (a topic model can say nothing about them).
    """
    _check_allowed("model", model, MODELS)
    ids, docs = documents_from_tokens(tokens, by="unit_id", doc_ids=unit_ids, stream=True)
    if model == "nmf":
        vectorizer = TfidfVectorizer(analyzer=identity_analyzer, min_df=min_df, max_df=max_df,
                                     smooth_idf=True, sublinear_tf=False, norm="l2")
        weighting = (
            "tf-idf over units: raw count x smooth idf ln((1 + N) / (1 + df)) + 1, rows "
            f"L2-normalised (scikit-learn TfidfVectorizer with an identity callable analyzer "
            f"over pre-tokenised units, min_df={min_df}, max_df={max_df})"
        )
    else:
        vectorizer = TfidfVectorizer(analyzer=identity_analyzer, min_df=min_df, max_df=max_df,
                                     use_idf=False, norm=None)
        weighting = (
            "raw term counts per unit (scikit-learn TfidfVectorizer with use_idf=False, "
            f"norm=None and an identity callable analyzer over pre-tokenised units, "
            f"min_df={min_df}, max_df={max_df})"
        )
    matrix = vectorizer.fit_transform(docs).tocsr()
    nonempty = np.diff(matrix.indptr) > 0
    matrix = matrix[nonempty]
    matrix.sort_indices()
    return UnitMatrix(matrix, ids[nonempty],
                      vectorizer.get_feature_names_out().astype(object), weighting, vectorizer)


def _minibatch(n_units: int, minibatch_units: int) -> bool:
    """Whether a fit on ``n_units`` units uses the mini-batch estimators."""
    return n_units > minibatch_units


def _fit(matrix: sp.csr_matrix, k: int, model: str, seed: int, *, minibatch: bool = False):
    """Fit one model; return the fitted estimator.

    ``minibatch`` True fits NMF by :class:`~sklearn.decomposition.MiniBatchNMF`
    over batches of ``config.TOPICS_MINIBATCH_BATCH_SIZE`` units instead of
    full-batch NMF (module docstring, "Large fits"); LDA is the same online
    fit either way.

    BLAS runs on one thread during the fit: on small matrices threads only add
    overhead, and a fixed thread count keeps floating-point sums in the same
    order on every machine.
    """
    if model == "nmf" and minibatch:
        est = MiniBatchNMF(n_components=k, init="nndsvda", beta_loss="frobenius",
                           batch_size=config.TOPICS_MINIBATCH_BATCH_SIZE, max_iter=200,
                           tol=1e-4, max_no_improvement=10, random_state=seed)
    elif model == "nmf":
        est = NMF(n_components=k, init="nndsvda", solver="mu", beta_loss="frobenius",
                  max_iter=400, tol=1e-4, random_state=seed)
    else:
        est = LatentDirichletAllocation(n_components=k, learning_method="online",
                                        batch_size=512, max_iter=10, evaluate_every=-1,
                                        random_state=seed, n_jobs=1)
    with threadpool_limits(limits=1), warnings.catch_warnings():
        # Hitting max_iter is reported in the docs, not as a warning per fit.
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(matrix)
    return est


def _fit_top_terms(matrix: sp.csr_matrix, rows: np.ndarray | None, k: int, model: str,
                   seed: int, minibatch: bool, top_n: int) -> list[np.ndarray]:
    """The ``top_n`` heaviest term columns of each topic of one fit (on ``rows`` if given).

    A task of :func:`_fits`: it returns the small top-term arrays, not the
    topic x term weights, and slices the subsample itself, so one shared matrix
    reaches the workers instead of one copy per subsample.
    """
    sub = matrix if rows is None else matrix[rows]
    return _top_terms(_fit(sub, k, model, seed, minibatch=minibatch).components_, top_n)


def _fit_estimator(matrix: sp.csr_matrix, k: int, model: str, seed: int, minibatch: bool):
    """:func:`_fit` with every argument by position (a task of :func:`_fits`)."""
    return _fit(matrix, k, model, seed, minibatch=minibatch)


def _fits(tasks: Sequence[tuple], *, n_jobs: int, task=_fit_top_terms) -> list:
    """``task(*arguments)`` for every tuple of ``tasks``, in order, over ``n_jobs`` processes.

    ``task`` is :func:`_fit_top_terms` or :func:`_fit_estimator`.  The fits are
    independent and each runs single-threaded (:func:`_fit`), so a fit in a
    worker gives the same bytes as in this process.  joblib's loky workers
    receive a matrix as a read-only memory map, written once per call (arrays
    above 1 MB), not pickled into every task.  The public functions stop the
    workers when they return (:func:`_workers_released`).
    """
    if n_jobs == 1 or len(tasks) < 2:
        return [task(*arguments) for arguments in tasks]
    jobs = n_jobs if n_jobs == -1 else min(n_jobs, len(tasks))
    return Parallel(n_jobs=jobs, backend="loky")(
        delayed(task)(*arguments) for arguments in tasks)


@contextmanager
def _workers_released(n_jobs: int) -> Iterator[None]:
    """Stop the worker processes when the block ends (at once, not after loky's 300 s idle).

    A build holds its largest tables in the steps after this one; idle
    workers (each with its own copy of the libraries) would add to that peak.
    """
    try:
        yield
    finally:
        if n_jobs != 1:
            get_reusable_executor().shutdown(wait=True)


def _unit_topic_weights(est, matrix: sp.csr_matrix, *, n_jobs: int = 1) -> np.ndarray:
    """``est.transform(matrix)``; LDA's over ``n_jobs`` processes.

    LDA infers each unit's topic weights on its own, from a start that draws
    nothing at random (``random_init=False`` in scikit-learn's E-step), so
    splitting the units among processes gives the same numbers.  NMF's
    transform is left in one process: its stopping rule looks at every unit's
    weights together, so a split would stop at other iterations.
    """
    if isinstance(est, LatentDirichletAllocation):
        est.set_params(n_jobs=n_jobs)
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.transform(matrix)


def _sample_units(units: np.ndarray, max_units: int | None, random_state: int) -> np.ndarray:
    """All units if at most ``max_units`` (or it is None), else a seeded sample (sorted)."""
    if max_units is None or len(units) <= max_units:
        return units
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(units, size=max_units, replace=False))


def _top_terms(components: np.ndarray, top_n: int) -> list[np.ndarray]:
    # Highest weight first; ties to the lower column (alphabetical term).
    return [np.lexsort((np.arange(len(row)), -row))[:top_n] for row in components]


def topic_k_selection(
    tokens: pd.DataFrame, *, k_values: Sequence[int] = tuple(range(4, 21, 2)),
    models: Sequence[str] = ("nmf",), n_seeds: int = 5, sample_frac: float = 0.8,
    max_units: int = 20_000, top_n: int = 10, stability_tolerance: float = 0.02,
    min_df: int | float = 2, max_df: int | float = 0.5,
    random_state: int = config.RANDOM_STATE,
    regions: pd.DataFrame | None = None, keep_numbers: bool = False,
    keep_places: bool = False, keep_single_chars: bool = False,
    minibatch_units: int = config.TOPICS_MINIBATCH_UNITS, n_jobs: int = 1,
) -> pd.DataFrame:
    """Stability and coherence for each candidate number of topics, and the choice.

    Parameters
    ----------
    tokens : tokens table.
    k_values : candidate numbers of topics, default 4, 6, ..., 20.
    models : default ``("nmf",)``; add ``"lda"`` to score LDA too.  LDA is fitted
        by online variational Bayes and costs far more (about 25 s per fit on
        20,000 sentences against about 1 s for NMF), so by default LDA is fitted
        at NMF's chosen k, as a comparison at equal k.
    n_seeds : int, default 5 -- subsamples per k; more give a smoother curve at
        proportional cost (each k costs ``1 + n_seeds`` fits).
    sample_frac : float, default 0.8 -- share of the reference units in each
        subsample.
    max_units : int, default 20,000 -- the reference set is a random sample of
        this many units when there are more (the same sample :func:`fit_topics`
        fits on with the same ``random_state``); NMF on 20,000 sentences takes
        about a second at k = 10, on 400,000 over a minute.  This is what bounds
        the cost at scale: ``len(k_values) x (1 + n_seeds)`` fits (54 by
        default) on at most ``max_units`` units whatever the corpus size, so
        beyond ``max_units`` units the k-selection no longer grows with N.
    top_n : int, default 10 -- terms per topic compared and scored.
    stability_tolerance : float, default 0.02 -- k within this much of the best
        stability are treated as equally stable and coherence decides.
    min_df, max_df : vocabulary pruning, default 2 units and half the units.
    random_state : int, default ``config.RANDOM_STATE`` -- seeds the subsamples the
        stability is measured on, the sample of units beyond ``max_units``, and LDA.
    regions : DataFrame, optional -- manifest or regions table whose region names
        count as place names (:func:`analysis.text.term_filters.filter_terms`).
    keep_numbers, keep_places, keep_single_chars : bool, default False -- keep
        numbers and dates, place names, single characters in the vocabulary.
    minibatch_units : int, default ``config.TOPICS_MINIBATCH_UNITS`` (50,000) --
        when the reference set has more units than this, every fit of the curve
        (reference and subsamples alike, so they stay comparable) uses the
        mini-batch estimators (module docstring, "Large fits").  With the
        default ``max_units`` the reference set is never that large.
    n_jobs : int, default 1 -- processes the ``len(k_values) x (1 + n_seeds)``
        fits of a model are shared among (-1: every CPU).  The fits are
        independent and single-threaded, so the table is the same for any
        ``n_jobs``.

    Returns
    -------
    DataFrame with columns ``schema.TOPIC_K_SELECTION``: ``model, k``,
    ``stability`` (mean agreement with the reference) and ``stability_sd``,
    ``coherence`` (mean NPMI of the reference fit), ``n_seeds``,
    ``n_units_sampled`` (reference units), ``n_terms``, ``weighting``,
    ``chosen`` (True for the one k per model picked by the rule), ``rule``.
    """
    for model in models:
        _check_allowed("models", model, MODELS)
    k_values = sorted({int(k) for k in k_values})
    if not k_values or k_values[0] < 2:
        raise ValueError(f"k_values must be integers >= 2, got {k_values!r}")
    _check_positive_int("n_seeds", n_seeds)
    _check_positive_int("max_units", max_units, 2)
    _check_positive_int("top_n", top_n, 2)
    _check_positive_int("random_state", random_state, 0)
    _check_positive_int("minibatch_units", minibatch_units)
    _check_jobs(n_jobs)
    if not 0.0 < sample_frac < 1.0:
        raise ValueError(f"sample_frac must be in (0, 1), got {sample_frac!r}")
    check_tokens(tokens)
    tokens = filter_terms(tokens, regions=regions, keep_numbers=keep_numbers,
                          keep_places=keep_places, keep_single_chars=keep_single_chars)
    # The unit ids only (the documents themselves are built for the sample below).
    all_units = _distinct_units(tokens)
    reference_units = _sample_units(all_units, max_units, random_state)
    rule = (
        f"among k with stability within {stability_tolerance} of the best, the highest "
        "coherence (NPMI); ties to the smaller k"
    )
    rows = []
    for model in models:
        um = unit_matrix(tokens, model=model, unit_ids=reference_units, min_df=min_df,
                         max_df=max_df)
        n_rows = um.matrix.shape[0]
        if k_values[-1] >= min(n_rows, um.matrix.shape[1]):
            raise ValueError(
                f"k={k_values[-1]} is too large for {n_rows} units x {um.matrix.shape[1]} terms"
            )
        size = max(2, int(round(sample_frac * n_rows)))
        minibatch = _minibatch(n_rows, minibatch_units)
        # Subsamples come from their own stream per model: the reference sample stays the
        # one fit_topics draws, and a model's numbers do not depend on which others run.
        rng = np.random.default_rng([random_state, 1, MODELS.index(model)])
        subsamples = [np.sort(rng.choice(n_rows, size=size, replace=False))
                      for _ in range(n_seeds)]
        # Every fit of the curve at once (the reference, then subsample i with seed
        # random_state + 1 + i, for each k), so they can share the processes.
        per_k = 1 + n_seeds
        with _workers_released(n_jobs):
            tops = _fits([(um.matrix, rows_i, k, model, seed, minibatch, top_n)
                          for k in k_values
                          for rows_i, seed in zip([None, *subsamples],
                                                  [random_state + i for i in range(per_k)],
                                                  strict=True)],
                         n_jobs=n_jobs)
        for index, k in enumerate(k_values):
            reference_top, *subsample_tops = tops[index * per_k:(index + 1) * per_k]
            coherence = float(npmi_coherence(reference_top, um.matrix).mean())
            reference_ranks = [um.terms[t].tolist() for t in reference_top]
            agreements = [
                ranking_agreement(reference_ranks, [um.terms[t].tolist() for t in top_i])
                for top_i in subsample_tops
            ]
            rows.append({
                "model": model, "k": k,
                "stability": round(float(np.mean(agreements)), WEIGHT_DECIMALS),
                "stability_sd": round(float(np.std(agreements)), WEIGHT_DECIMALS),
                "coherence": round(coherence, WEIGHT_DECIMALS), "n_seeds": n_seeds,
                "n_units_sampled": n_rows, "n_terms": len(um.terms),
                "weighting": um.weighting, "chosen": False, "rule": rule,
            })
    out = pd.DataFrame(rows, columns=schema.TOPIC_K_SELECTION)
    for _, group in out.groupby("model", sort=False):
        best = group["stability"].max()
        near = group[group["stability"] >= best - stability_tolerance - 1e-12]
        pick = near.sort_values(["coherence", "k"], ascending=[False, True], kind="stable")
        out.loc[pick.index[0], "chosen"] = True
    return out

#: Seeds :func:`topic_seed_agreement` compares by default: the project seed first, so
#: its rows with ``seed_a == config.RANDOM_STATE`` compare the shipped fit with the others.
DEFAULT_SEEDS: tuple[int, ...] = tuple(config.RANDOM_STATE + i for i in range(5))


def topic_seed_agreement(
    tokens: pd.DataFrame, *, k: int, model: str = "nmf", seeds: Sequence[int] = DEFAULT_SEEDS,
    unit_ids: Sequence[str] | None = None, top_n: int = 10, min_df: int | float = 2,
    max_df: int | float = 0.5, max_fit_units: int | None = 20_000,
    random_state: int = config.RANDOM_STATE, regions: pd.DataFrame | None = None,
    keep_numbers: bool = False, keep_places: bool = False, keep_single_chars: bool = False,
    minibatch_units: int = config.TOPICS_MINIBATCH_UNITS, n_jobs: int = 1,
) -> pd.DataFrame:
    """How far a topic model's topics depend on its seed: agreement of every pair of seeds.

    The model is fitted once per seed on the same units and the same matrix as
    :func:`fit_topics` (same term filter, pruning and sample of units beyond
    ``max_fit_units``, drawn with ``random_state`` whatever the model seed), so
    only the model's seed differs: for NMF the randomized SVD behind the
    NNDSVDa start, for LDA the starting topic-term and unit-topic weights.  The
    fit with seed ``random_state`` is the one :func:`fit_topics` reports.  Two
    fits agree by :func:`ranking_agreement` of their topics' top ``top_n`` terms
    by weight (mean average Jaccard under the best one-to-one matching of
    topics; Greene, O'Callaghan & Cunningham 2014), the measure
    :func:`topic_k_selection` uses for stability.

    Parameters
    ----------
    tokens : tokens table.
    k : int >= 2 -- number of topics.
    model : ``"nmf"`` (default) or ``"lda"``.
    seeds : at least two distinct non-negative integers, default
        ``DEFAULT_SEEDS`` (``config.RANDOM_STATE`` and the next four).  Cost is one
        fit per seed (about 1 s for NMF, 25 s for LDA on 20,000 units).
    unit_ids : sequence of str, optional -- fit on these units only (default all).
    top_n : int, default 10 -- terms per topic compared.
    min_df, max_df, max_fit_units, regions, keep_numbers, keep_places,
    keep_single_chars, minibatch_units : as in :func:`fit_topics`.
    random_state : int, default ``config.RANDOM_STATE`` -- the sample of units
        beyond ``max_fit_units`` only.
    n_jobs : int, default 1 -- processes the seeds' fits are shared among (-1:
        every CPU); the table is the same for any ``n_jobs``.

    Returns
    -------
    DataFrame with columns ``schema.TOPIC_SEED_AGREEMENT``: ``model, k, seed_a,
    seed_b`` (every unordered pair of seeds, ``seed_a < seed_b``, sorted),
    ``agreement`` (0-1; 1 = the two seeds give the same top terms in the same
    order for every topic), ``top_n``, ``n_units`` (units fitted), ``n_terms``.
    """
    _check_allowed("model", model, MODELS)
    _check_positive_int("k", k, 2)
    _check_positive_int("top_n", top_n, 2)
    if max_fit_units is not None:
        _check_positive_int("max_fit_units", max_fit_units, 2)
    _check_positive_int("random_state", random_state, 0)
    _check_positive_int("minibatch_units", minibatch_units)
    _check_jobs(n_jobs)
    seeds = _checked_seeds(seeds)
    check_tokens(tokens)
    tokens = filter_terms(tokens, regions=regions, keep_numbers=keep_numbers,
                          keep_places=keep_places, keep_single_chars=keep_single_chars)
    tokens = _restrict_units(tokens, unit_ids)
    all_units = _distinct_units(tokens)
    fit_units = _sample_units(all_units, max_fit_units, random_state)
    um = unit_matrix(tokens, model=model, unit_ids=fit_units, min_df=min_df, max_df=max_df)
    if k >= min(um.matrix.shape):
        raise ValueError(f"k={k} is too large for {um.matrix.shape[0]} units x "
                         f"{um.matrix.shape[1]} terms")
    minibatch = _minibatch(um.matrix.shape[0], minibatch_units)
    with _workers_released(n_jobs):
        tops = _fits([(um.matrix, None, k, model, seed, minibatch, top_n) for seed in seeds],
                     n_jobs=n_jobs)
    rankings = {seed: [um.terms[t].tolist() for t in top]
                for seed, top in zip(seeds, tops, strict=True)}
    return _agreement_table(rankings, model=model, k=k, top_n=top_n, um=um)


def _agreement_table(rankings: dict[int, list[list[str]]], *, model: str, k: int, top_n: int,
                     um: UnitMatrix) -> pd.DataFrame:
    """The :func:`topic_seed_agreement` table of each seed's ranked top terms."""
    seeds = sorted(rankings)
    rows = [
        {"model": model, "k": k, "seed_a": a, "seed_b": b,
         "agreement": round(ranking_agreement(rankings[a], rankings[b]), WEIGHT_DECIMALS),
         "top_n": top_n, "n_units": um.matrix.shape[0], "n_terms": len(um.terms)}
        for i, a in enumerate(seeds) for b in seeds[i + 1:]
    ]
    return pd.DataFrame(rows, columns=schema.TOPIC_SEED_AGREEMENT)


def _distinct_units(tokens: pd.DataFrame) -> np.ndarray:
    """The distinct unit ids of ``tokens`` as strings, sorted (an object array)."""
    return np.array(sorted({str(u) for u in pd.unique(tokens["unit_id"])}), dtype=object)


def _restrict_units(tokens: pd.DataFrame, unit_ids: Sequence[str] | None) -> pd.DataFrame:
    """The tokens of ``unit_ids`` only (all tokens when None); a new table."""
    if unit_ids is None:
        return tokens
    wanted = {str(u) for u in unit_ids}
    if not wanted:
        raise ValueError("unit_ids is empty")
    # On the distinct ids, not a string per row (the build's tokens are categorical).
    codes, distinct = pd.factorize(tokens["unit_id"])
    wanted_code = pd.Index(distinct).astype(str).isin(wanted)
    kept = tokens.loc[(codes >= 0) & wanted_code[np.maximum(codes, 0)]]
    if kept.empty:
        raise ValueError("none of unit_ids has tokens (after the term filter)")
    return kept



class TopicTables(NamedTuple):
    """The five tables of one fitted topic model (see :func:`fit_topics`)."""

    terms: pd.DataFrame
    units: pd.DataFrame
    regions: pd.DataFrame
    themes: pd.DataFrame
    labels: pd.DataFrame


def _fit_input(
    tokens: pd.DataFrame, units: pd.DataFrame, *, model: str, k: int, theme_col: str | None,
    unit_ids: Sequence[str] | None, max_fit_units: int | None, random_state: int,
    min_df: int | float, max_df: int | float, regions: pd.DataFrame | None,
    keep_numbers: bool, keep_places: bool, keep_single_chars: bool,
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, UnitMatrix]:
    """What :func:`fit_topics` fits on: the filtered tokens, each unit's region and theme,
    every unit id (sorted) and the matrix of the fit sample (arguments already checked)."""
    tokens = filter_terms(tokens, regions=regions, keep_numbers=keep_numbers,
                          keep_places=keep_places, keep_single_chars=keep_single_chars)
    tokens = _restrict_units(tokens, unit_ids)
    if theme_col is not None:
        per_unit = unit_themes(tokens, units, theme_col)
    else:
        per_unit = unit_themes(tokens, units.assign(_no_theme=""), "_no_theme")
    all_units = np.array(sorted(per_unit["unit_id"]), dtype=object)
    fit_units = _sample_units(all_units, max_fit_units, random_state)
    um = unit_matrix(tokens, model=model, unit_ids=fit_units, min_df=min_df, max_df=max_df)
    if k >= min(um.matrix.shape):
        raise ValueError(f"k={k} is too large for {um.matrix.shape[0]} units x "
                         f"{um.matrix.shape[1]} terms")
    return tokens, per_unit, all_units, um


def _topic_tables(
    est, um: UnitMatrix, tokens: pd.DataFrame, units: pd.DataFrame, per_unit: pd.DataFrame,
    all_units: np.ndarray, *, model: str, k: int, n_top_terms: int, relevance_lambda: float,
    theme_col: str | None, group_col: str, n_jobs: int,
) -> TopicTables:
    """The five tables of :func:`fit_topics` for the model ``est`` fitted to ``um``."""
    components = est.components_
    # Apply the fitted model to every unit (the fit sample or not) in the same way.
    ids, docs = documents_from_tokens(tokens, by="unit_id", doc_ids=all_units, stream=True)
    matrix = um.vectorizer.transform(docs).tocsr()
    nonempty = np.diff(matrix.indptr) > 0
    unit_ids = ids[nonempty]
    doc_topic = _unit_topic_weights(est, matrix[nonempty], n_jobs=n_jobs)
    totals = doc_topic.sum(axis=1)
    has_weight = totals > 0
    unit_weights = np.zeros_like(doc_topic)
    unit_weights[has_weight] = doc_topic[has_weight] / totals[has_weight, None]
    # Number topics by decreasing total weight (ties by fitted order).
    mass = unit_weights.sum(axis=0)
    order = np.lexsort((np.arange(k), -np.round(mass, WEIGHT_DECIMALS)))
    unit_weights, components = unit_weights[:, order], components[order]
    topic_numbers = np.arange(1, k + 1)

    row_sums = components.sum(axis=1, keepdims=True)
    # A topic NMF left empty (all-zero row) keeps zero weights rather than NaN.
    term_share = np.divide(components, row_sums, out=np.zeros_like(components),
                           where=row_sums > 0)
    # p_w: each term's share of all weight in the matrix the model saw.
    column_mass = np.asarray(um.matrix.sum(axis=0)).ravel()
    relevance = topic_relevance(term_share, column_mass / column_mass.sum(),
                                relevance_lambda=relevance_lambda)
    top = _top_terms(relevance, n_top_terms)
    # Coverage: units whose largest topic is k (argmax takes the lower topic on ties).
    dominant_topic = np.argmax(unit_weights[has_weight], axis=1)
    n_dominant = np.bincount(dominant_topic, minlength=k).astype("int64")
    coverage = np.round(n_dominant / max(int(has_weight.sum()), 1), WEIGHT_DECIMALS)
    top_relevance = np.concatenate([relevance[i, t] for i, t in enumerate(top)])
    terms = pd.DataFrame({
        "model": model,
        "topic": np.repeat(topic_numbers, [len(t) for t in top]),
        "rank": np.concatenate([np.arange(1, len(t) + 1) for t in top]),
        "term": np.concatenate([um.terms[t] for t in top]),
        "weight": np.round(np.concatenate([term_share[i, t] for i, t in enumerate(top)]),
                           WEIGHT_DECIMALS),
        "relevance": np.round(np.where(np.isfinite(top_relevance), top_relevance, np.nan),
                              WEIGHT_DECIMALS),
        "coverage": np.repeat(coverage, [len(t) for t in top]),
    }, columns=schema.TOPICS_TERMS)
    labels = pd.DataFrame({
        "model": model,
        "topic": topic_numbers,
        "label": ["、".join(um.terms[t[:LABEL_TERMS]]) for t in top],
        "coverage": coverage,
        "n_units": n_dominant,
        "weight_share": np.round(mass[order] / max(float(mass.sum()), 1e-300), WEIGHT_DECIMALS),
    }, columns=schema.TOPIC_LABELS)

    region_of = per_unit.set_index("unit_id")["region_id"]
    theme_of = per_unit.set_index("unit_id")["theme"]
    # Rows are gathered and sorted on integer codes of the units (one lookup per
    # unit, not per unit x topic row); strings are only taken at the end, by Arrow.
    unit_region = region_of.reindex(unit_ids).to_numpy(dtype=object)
    region_names, unit_region_rank = np.unique(unit_region.astype(str), return_inverse=True)
    unit_rank = pd.Series(np.arange(len(units)), index=units["unit_id"].astype(str))
    unit_order = unit_rank.reindex(unit_ids).to_numpy()
    rows, cols = np.nonzero(unit_weights)
    # Sorted by region, units-table order, topic (a total order: each unit has one row
    # per topic), as a stable sort on those three columns would.
    by_unit = np.lexsort((cols, unit_order[rows], unit_region_rank[rows]))
    rows, cols = rows[by_unit], cols[by_unit]
    unit_rows = pa.array(rows)
    unit_table = pd.DataFrame({
        "model": model,
        "unit_id": _str_series(pa.array(unit_ids.tolist(), type=pa.string()).take(unit_rows)),
        "region_id": _str_series(pa.array(region_names.tolist(), type=pa.string())
                                 .take(pa.array(unit_region_rank[rows]))),
        "topic": topic_numbers[cols],
        "weight": np.round(unit_weights[rows, cols], WEIGHT_DECIMALS),
    }, columns=schema.TOPICS_UNITS)

    group_of = region_of if group_col == "region_id" else pd.Series(
        units[group_col].astype(str).to_numpy(), index=units["unit_id"].astype(str).to_numpy())
    weighted = pd.DataFrame(unit_weights[has_weight], columns=topic_numbers)
    weighted[group_col] = group_of.reindex(unit_ids[has_weight]).to_numpy()
    region_mean = weighted.groupby(group_col, sort=True).mean()
    region_shares = region_mean.stack().rename("share").reset_index()
    region_shares.columns = [group_col, "topic", "share"]
    region_shares["share"] = region_shares["share"].round(WEIGHT_DECIMALS)
    region_shares.insert(0, "model", model)
    share_columns = [group_col if c == "region_id" else c for c in schema.TOPICS_REGIONS]
    region_shares = region_shares.loc[:, share_columns].reset_index(drop=True)

    if theme_col is None:
        themes = pd.DataFrame({c: pd.Series(dtype=object) for c in schema.TOPICS_VS_THEMES})
    else:
        dominant = pd.DataFrame({
            "topic": topic_numbers[dominant_topic],
            "theme": theme_of.reindex(unit_ids[has_weight]).to_numpy(),
        })
        counts = pd.crosstab(dominant["topic"], dominant["theme"]).reindex(
            index=topic_numbers, columns=sorted(theme_of.unique()), fill_value=0
        )
        themes = counts.stack().rename("n_units").reset_index()
        themes.columns = ["topic", "theme", "n_units"]
        per_topic = themes.groupby("topic")["n_units"].transform("sum")
        themes["share"] = np.where(per_topic > 0, themes["n_units"] / per_topic.where(
            per_topic > 0, 1), 0.0).round(WEIGHT_DECIMALS)
        themes.insert(0, "model", model)
        themes = themes.loc[:, schema.TOPICS_VS_THEMES].reset_index(drop=True)
    return TopicTables(terms=terms, units=unit_table, regions=region_shares, themes=themes,
                       labels=labels)


def fit_topics(
    tokens: pd.DataFrame, units: pd.DataFrame, *, k: int, model: str = "nmf",
    random_state: int = config.RANDOM_STATE, theme_col: str | None = "theme", n_top_terms: int = 15,
    min_df: int | float = 2, max_df: int | float = 0.5, max_fit_units: int | None = 20_000,
    relevance_lambda: float = RELEVANCE_LAMBDA, regions: pd.DataFrame | None = None,
    keep_numbers: bool = False, keep_places: bool = False, keep_single_chars: bool = False,
    unit_ids: Sequence[str] | None = None, group_col: str = "region_id",
    minibatch_units: int = config.TOPICS_MINIBATCH_UNITS, n_jobs: int = 1,
) -> TopicTables:
    """Fit one topic model to all units (or some) and describe it in five tidy tables.

    Parameters
    ----------
    tokens : tokens table.
    units : units table (``unit_id, region_id`` and ``theme_col``).
    k : number of topics (e.g. the ``chosen`` k of :func:`topic_k_selection`).
    model : ``"nmf"`` (default) or ``"lda"``.
    random_state : int, default ``config.RANDOM_STATE`` -- the same seed always
        gives the same tables.  It changes (1) the sample of units beyond
        ``max_fit_units``; (2) for NMF, the randomized SVD that the NNDSVDa start
        is computed from, so another seed can give different top terms even
        without a sample; (3) for LDA, the starting topic-term and unit-topic
        weights, which change LDA's topics much more.  Report
        :func:`topic_seed_agreement` with the topics (the build writes it).
    theme_col : str or None, default ``"theme"`` -- for the topics-vs-themes
        crosstab; None skips it (empty table).
    n_top_terms : int, default 15 -- terms listed per topic.
    min_df, max_df : vocabulary pruning, as in :func:`topic_k_selection`.
    max_fit_units : int or None, default 20,000 -- the model (and its vocabulary)
        is fitted on a seeded random sample of this many units when there are
        more -- the same sample :func:`topic_k_selection` uses -- and then
        applied to every unit (``transform``), so every unit gets weights.
        None fits on every unit (mini-batch beyond ``minibatch_units``).
    relevance_lambda : float in [0, 1], default 0.6 -- lambda of the relevance
        that ranks each topic's terms (:func:`topic_relevance`; Sievert & Shirley
        2014); 1.0 ranks by raw weight.
    regions : DataFrame, optional -- manifest or regions table whose region names
        count as place names (:func:`analysis.text.term_filters.filter_terms`).
    keep_numbers, keep_places, keep_single_chars : bool, default False -- keep
        numbers and dates, place names, single characters in the vocabulary.
    unit_ids : sequence of str, optional -- model these units only (e.g. one
        theme's, or one part's); default every unit with tokens.  Each must be
        in ``units``.
    group_col : str, default ``"region_id"`` -- column of ``units`` whose values
        the ``regions`` table averages over (e.g. ``part``, ``unit_kind``, or a
        region column such as ``admin_level`` joined to the units); missing
        values are not allowed.
    minibatch_units : int, default ``config.TOPICS_MINIBATCH_UNITS`` (50,000) --
        a fit on more units than this uses the mini-batch estimators
        (NMF by ``MiniBatchNMF`` over batches of
        ``config.TOPICS_MINIBATCH_BATCH_SIZE``; LDA is online at any size; module
        docstring, "Large fits"); at or below it, full-batch NMF.  Never reached
        with the default ``max_fit_units``.
    n_jobs : int, default 1 -- processes LDA's topic weights of every unit are
        inferred in (-1: every CPU; each unit's are inferred on their own, so
        the tables are the same for any ``n_jobs``).  The fit itself and NMF's
        weights run in one process.

    Returns
    -------
    TopicTables with
    ``terms`` (``schema.TOPICS_TERMS``): ``model, topic, rank, term, weight,
    relevance, coverage`` -- the ``n_top_terms`` most relevant terms, ``rank`` 1
    the most relevant (ties to the alphabetically first term); ``weight`` phi,
    the term's share of its topic-term row (rows sum to 1 over the vocabulary);
    ``relevance`` as above (empty where weight is 0); ``coverage`` the topic's
    coverage (below), repeated on each of its rows;
    ``units`` (``schema.TOPICS_UNITS``): ``model, unit_id, region_id, topic,
    weight`` -- the unit's topic weights scaled to sum to 1 (zero weights
    omitted; units with no terms after pruning, or with all-zero NMF weights,
    have no rows);
    ``regions`` (``schema.TOPICS_REGIONS``): ``model, region_id, topic, share`` --
    the mean of the region's unit weights (each unit counts once; shares sum to 1);
    with another ``group_col`` the same by group, the column ``region_id``
    replaced by ``group_col`` (groups sorted as strings);
    ``themes`` (``schema.TOPICS_VS_THEMES``): ``model, topic, theme, n_units,
    share`` -- units whose largest topic is ``topic`` (ties to the lower
    topic) by their coded theme, ``share`` of the topic's units; every
    topic x theme combination is listed;
    ``labels`` (``schema.TOPIC_LABELS``): ``model, topic, label, coverage,
    n_units, weight_share`` -- ``label`` the topic's three most relevant terms
    joined by "、", ``n_units`` the units whose largest topic it is (ties to the
    lower topic), ``coverage`` their share of the units with topic weights,
    ``weight_share`` the topic's share of all unit weight.
    Topics are numbered 1..k by decreasing total weight over the units.
    """
    _check_allowed("model", model, MODELS)
    _check_fit_options(k=k, n_top_terms=n_top_terms, random_state=random_state,
                       max_fit_units=max_fit_units, minibatch_units=minibatch_units,
                       n_jobs=n_jobs, relevance_lambda=relevance_lambda)
    if group_col not in units.columns:
        raise ValueError(f"units table has no group column {group_col!r} "
                         f"(columns: {list(units.columns)})")
    if units[group_col].isna().any():
        raise ValueError(f"units column {group_col!r} has missing values")
    if unit_ids is not None:
        unknown = {str(u) for u in unit_ids} - set(units["unit_id"].astype(str))
        if unknown:
            raise ValueError(f"{len(unknown)} of unit_ids are not in units, "
                             f"e.g. {sorted(unknown)[0]!r}")
    tokens, per_unit, all_units, um = _fit_input(
        tokens, units, model=model, k=k, theme_col=theme_col, unit_ids=unit_ids,
        max_fit_units=max_fit_units, random_state=random_state, min_df=min_df, max_df=max_df,
        regions=regions, keep_numbers=keep_numbers, keep_places=keep_places,
        keep_single_chars=keep_single_chars)
    est = _fit(um.matrix, k, model, random_state,
               minibatch=_minibatch(um.matrix.shape[0], minibatch_units))
    with _workers_released(n_jobs):
        return _topic_tables(est, um, tokens, units, per_unit, all_units, model=model, k=k,
                             n_top_terms=n_top_terms, relevance_lambda=relevance_lambda,
                             theme_col=theme_col, group_col=group_col, n_jobs=n_jobs)


class TopicModels(NamedTuple):
    """Every model's tables and their seed agreement (see :func:`topic_models`)."""

    fits: dict[str, TopicTables]
    seed_agreement: pd.DataFrame


def topic_models(
    tokens: pd.DataFrame, units: pd.DataFrame, *, k: int, models: Sequence[str] = MODELS,
    seeds: Sequence[int] = DEFAULT_SEEDS, random_state: int = config.RANDOM_STATE,
    top_n: int = 10, theme_col: str | None = "theme", n_top_terms: int = 15,
    min_df: int | float = 2, max_df: int | float = 0.5, max_fit_units: int | None = 20_000,
    relevance_lambda: float = RELEVANCE_LAMBDA, regions: pd.DataFrame | None = None,
    keep_numbers: bool = False, keep_places: bool = False, keep_single_chars: bool = False,
    minibatch_units: int = config.TOPICS_MINIBATCH_UNITS, n_jobs: int = 1,
) -> TopicModels:
    """:func:`fit_topics` and :func:`topic_seed_agreement` for several models, fitted together.

    The same tables as calling, for each model, ``fit_topics(tokens, units,
    k=k, model=model, random_state=random_state, ...)`` and
    ``topic_seed_agreement(tokens, k=k, model=model, seeds=seeds,
    random_state=random_state, top_n=top_n, ...)`` with the other arguments
    alike -- for less work: both fit the same matrix (the same filter, pruning
    and sample of units), so it is built once per model, the fit with seed
    ``random_state`` serves both, and every model's seed fits share the
    ``n_jobs`` processes at once (LDA's, the longest, first) instead of one
    model after another.

    Parameters
    ----------
    tokens, units, k : as in :func:`fit_topics`.
    models : default ``MODELS`` (``"nmf", "lda"``) -- each once.
    seeds : as in :func:`topic_seed_agreement` (default ``DEFAULT_SEEDS``).
    random_state : int, default ``config.RANDOM_STATE`` -- the seed of the
        fitted tables and of the sample of units beyond ``max_fit_units``.
    top_n : int, default 10 -- terms per topic the seeds are compared by.
    theme_col, n_top_terms, min_df, max_df, max_fit_units, relevance_lambda, regions,
    keep_numbers, keep_places, keep_single_chars, minibatch_units :
        as in :func:`fit_topics` (every unit, grouped by ``region_id``).
    n_jobs : int, default 1 -- processes the fits, and LDA's weights of every
        unit, are shared among (-1: every CPU); the tables are the same for any
        ``n_jobs``.

    Returns
    -------
    TopicModels with ``fits``, one :class:`TopicTables` per model (keyed by
    model, in the order of ``models``), and ``seed_agreement``, the
    :func:`topic_seed_agreement` tables of the models one after another
    (``schema.TOPIC_SEED_AGREEMENT``).
    """
    if isinstance(models, str) or not models:
        raise ValueError(f"models must be a non-empty sequence of {MODELS}, got {models!r}")
    for model in models:
        _check_allowed("models", model, MODELS)
    if len(set(models)) != len(models):
        raise ValueError(f"models must not repeat a model, got {models!r}")
    _check_positive_int("top_n", top_n, 2)
    _check_fit_options(k=k, n_top_terms=n_top_terms, random_state=random_state,
                       max_fit_units=max_fit_units, minibatch_units=minibatch_units,
                       n_jobs=n_jobs, relevance_lambda=relevance_lambda)
    seeds = _checked_seeds(seeds)
    check_tokens(tokens)
    if "region_id" in units.columns and units["region_id"].isna().any():
        raise ValueError("units column 'region_id' has missing values")
    inputs = {
        model: _fit_input(tokens, units, model=model, k=k, theme_col=theme_col, unit_ids=None,
                          max_fit_units=max_fit_units, random_state=random_state,
                          min_df=min_df, max_df=max_df, regions=regions,
                          keep_numbers=keep_numbers, keep_places=keep_places,
                          keep_single_chars=keep_single_chars)
        for model in models
    }
    # LDA's fits take ~50x NMF's: dispatched first, so no process is left with one at the end.
    order = sorted(models, key=lambda m: m != "lda")
    tasks = [(model, seed) for model in order for seed in sorted({*seeds, random_state})]
    fits, agreement = {}, []
    with _workers_released(n_jobs):
        estimators = dict(zip(tasks, _fits(
            [(inputs[model][3].matrix, k, model, seed,
              _minibatch(inputs[model][3].matrix.shape[0], minibatch_units))
             for model, seed in tasks], n_jobs=n_jobs, task=_fit_estimator), strict=True))
        for model in models:
            model_tokens, per_unit, all_units, um = inputs[model]
            fits[model] = _topic_tables(
                estimators[model, random_state], um, model_tokens, units, per_unit, all_units,
                model=model, k=k, n_top_terms=n_top_terms, relevance_lambda=relevance_lambda,
                theme_col=theme_col, group_col="region_id", n_jobs=n_jobs)
            rankings = {seed: [um.terms[t].tolist()
                               for t in _top_terms(estimators[model, seed].components_, top_n)]
                        for seed in seeds}
            agreement.append(_agreement_table(rankings, model=model, k=k, top_n=top_n, um=um))
    return TopicModels(fits=fits, seed_agreement=pd.concat(agreement, ignore_index=True))
