"""TF-IDF similarity between plans, within themes, and sentence by sentence.

Every verb takes the tidy tokens table (``region_id, unit_id, position, token``,
one row per token, as written by :mod:`analysis.text.tokens`) and returns a new tidy
table.  Documents are built from the tokens exactly as given: scikit-learn's
``TfidfVectorizer`` receives each document as a list of tokens through an
identity callable ``analyzer``, so there is no second tokenisation, no
lower-casing and no stopword removal here (those belong to the tokens stage).

Weighting (scikit-learn defaults, restated in every output's ``weighting``
column): the weight of term *t* in document *d* is ``tf(t, d) * idf(t)`` with
``tf`` the raw count (or ``1 + ln(count)`` when ``sublinear_tf=True``) and
``idf(t) = ln((1 + N) / (1 + df(t))) + 1`` (smoothed; N documents, df the number
of documents containing *t*); each document vector is then scaled to unit
Euclidean length, so the dot product of two vectors is their cosine
(Salton & Buckley 1988; Manning, Raghavan & Schütze 2008, ch. 6).

Scores are rounded to ``SCORE_DECIMALS`` decimals so that the written tables
are identical from run to run and machine to machine.

References
----------
Salton, G. & Buckley, C. (1988). Term-weighting approaches in automatic text
retrieval. *Information Processing & Management* 24(5), 513-523.
Bayardo, R. J., Ma, Y. & Srikant, R. (2007). Scaling up all pairs similarity
search. *Proceedings of WWW 2007*, 131-140.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfVectorizer

from analysis import config, schema

__all__ = [
    "check_tokens", "default_min_score", "DOCUMENT_KEYS", "documents_from_tokens",
    "DocumentTermMatrix", "identity_analyzer", "IDF_SCOPES", "IDF_SOURCES", "LINKAGE_METHODS",
    "nearest_neighbours", "NEIGHBOUR_BLOCK_ROWS", "PAIR_COLUMNS", "pair_columns",
    "passage_alignment", "region_linkage", "region_linkage_tfidf", "RegionLinkage",
    "SCORE_DECIMALS", "similarity_by_group", "similarity_by_theme", "similarity_matrix",
    "similarity_neighbours", "similarity_neighbours_by_theme", "similarity_regions",
    "STATUS_COMPARED", "tfidf_matrix", "TOKEN_COLUMNS", "unit_themes",
]

SCORE_DECIMALS: int = 10
TOKEN_COLUMNS: tuple[str, ...] = ("region_id", "unit_id", "position", "token")
LINKAGE_METHODS: tuple[str, ...] = ("average", "complete", "single", "weighted")
IDF_SCOPES: tuple[str, ...] = ("corpus", "theme")
IDF_SOURCES: tuple[str, ...] = ("subset", "corpus")
DOCUMENT_KEYS: tuple[str, ...] = ("region_id", "unit_id")
#: ``status`` of a pair whose cosine was computed (similarity_by_theme, similarity_by_group).
STATUS_COMPARED: str = "compared"
#: The column pairs a pairs table may name its two sides with.
PAIR_COLUMNS: tuple[tuple[str, str], ...] = (("region_a", "region_b"), ("group_a", "group_b"))
#: Rows of the similarity matrix computed at once by the blockwise verbs: a block
#: holds ``NEIGHBOUR_BLOCK_ROWS`` x N floats (62 MB at N = 30,000).
NEIGHBOUR_BLOCK_ROWS: int = 256


def _check_allowed(name: str, value: object, allowed: Sequence[object]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {tuple(allowed)}, got {value!r}")


def _check_min_units(min_units: object) -> None:
    if isinstance(min_units, bool) or not isinstance(min_units, (int, np.integer)) \
            or min_units < 1:
        raise ValueError(f"min_units must be a positive integer, got {min_units!r}")


def _check_columns(table: pd.DataFrame, required: Sequence[str], table_name: str) -> None:
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise ValueError(
            f"{table_name} table lacks column(s) {missing}; it has {list(table.columns)}"
        )


def check_tokens(tokens: pd.DataFrame) -> None:
    """Raise ``ValueError`` unless ``tokens`` is a usable tokens table."""
    _check_columns(tokens, TOKEN_COLUMNS, "tokens")
    if tokens["token"].isna().any():
        raise ValueError("tokens table has missing values in column 'token'")
    if len(tokens) == 0:
        raise ValueError("tokens table is empty")


def identity_analyzer(document: list[str]) -> list[str]:
    # The analyzer: documents arrive already tokenised.  Module level so that
    # a fitted vectorizer can be pickled.
    return document


@dataclass(frozen=True)
class DocumentTermMatrix:
    """A TF-IDF (or count) matrix with its row ids, column terms and a description.

    ``matrix`` is a CSR matrix, one row per document in ``doc_ids`` order and one
    column per term in ``terms`` (alphabetical, as scikit-learn orders them);
    ``weighting`` and ``tokenisation`` are the sentences written into outputs.
    """

    matrix: sp.csr_matrix
    doc_ids: np.ndarray
    terms: np.ndarray
    weighting: str
    tokenisation: str
    vectorizer: TfidfVectorizer


def _factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and the distinct values as ``str`` (an object array).

    Working on codes keeps one Python string per distinct value instead of one
    per row, which matters for a tokens table of millions of rows.
    """
    codes, uniques = pd.factorize(values, sort=False)
    if (codes < 0).any():
        raise ValueError(f"column {values.name!r} has missing values")
    return codes, np.asarray([str(v) for v in uniques], dtype=object)


def documents_from_tokens(
    tokens: pd.DataFrame, *, by: str, doc_ids: Sequence[str] | None = None,
    stream: bool = False,
) -> tuple[np.ndarray, list[list[str]] | Iterator[list[str]]]:
    """Group ``tokens`` into one token list per document, in position order.

    Parameters
    ----------
    tokens : DataFrame with columns ``region_id, unit_id, position, token``.
    by : ``"region_id"`` or ``"unit_id"`` -- what a document is.
    doc_ids : the documents wanted, in output order; default all ids found,
        sorted.  An id without tokens gives an empty document; tokens of ids not
        listed are left out.
    stream : bool, default False -- return the documents as an iterator that
        makes each token list when it is reached, instead of a list.  A
        vectorizer reads its documents once, so only one list exists at a time
        (all of them as lists cost about 90 bytes per token).

    Returns
    -------
    (doc_ids, documents) -- an object array of ids and the token lists (a list,
    or a one-pass iterator with ``stream=True``).
    """
    _check_allowed("by", by, DOCUMENT_KEYS)
    check_tokens(tokens)
    key_codes, key_names = _factorize(tokens[by])
    if doc_ids is None:
        ids = np.array(sorted(key_names), dtype=object)
    else:
        ids = np.asarray([str(d) for d in doc_ids], dtype=object)
        if len(set(ids)) != len(ids):
            raise ValueError(f"doc_ids for documents by {by!r} contain duplicates")
    codes = pd.Index(ids).get_indexer(key_names)[key_codes]
    word_codes, word_names = _factorize(tokens["token"])
    docs = _stream_documents(codes, tokens["position"].to_numpy(), word_codes, word_names,
                             len(ids))
    return ids, (docs if stream else list(docs))


def _stream_documents(
    doc_codes: np.ndarray, positions: np.ndarray, word_codes: np.ndarray,
    word_names: np.ndarray, n_docs: int,
) -> Iterator[list[str]]:
    """Token lists of documents 0..n_docs-1 in position order; code -1 means "leave out".

    The ordering is done at once on codes; each list of strings is made only when
    the consumer reaches it.
    """
    keep = doc_codes >= 0
    codes = doc_codes[keep]
    order = np.lexsort((positions[keep], codes))
    ordered_words = word_codes[keep][order]
    del order
    bounds = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=n_docs))]).tolist()
    del codes, keep
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        yield word_names[ordered_words[lo:hi]].tolist()


def _describe_weighting(
    n_docs: int, doc_name: str, *, sublinear_tf: bool, min_df: int | float,
    max_df: int | float, use_idf: bool = True, idf_note: str = "",
) -> str:
    tf = "1 + ln(count)" if sublinear_tf else "raw count"
    idf = (
        f"smooth idf ln((1 + N) / (1 + df)) + 1 with N = {n_docs} {doc_name} documents{idf_note}"
        if use_idf else "no idf"
    )
    return (
        f"tf-idf: tf = {tf}; {idf}; rows scaled to unit L2 norm, cosine = dot product "
        f"(scikit-learn TfidfVectorizer, smooth_idf=True, sublinear_tf={sublinear_tf}, "
        f"min_df={min_df}, max_df={max_df})"
    )


def _describe_tokenisation(doc_name: str) -> str:
    return (
        f"pre-tokenised tokens table (column 'token'), one document per {doc_name}, passed to "
        "TfidfVectorizer through an identity callable analyzer: no re-segmentation, "
        "lower-casing or stopword removal at this stage"
    )


def tfidf_matrix(
    tokens: pd.DataFrame, *, by: str = "unit_id", doc_ids: Sequence[str] | None = None,
    sublinear_tf: bool = False, min_df: int | float = 1, max_df: int | float = 1.0,
) -> DocumentTermMatrix:
    """TF-IDF document-term matrix of a tokens table (see the module docstring).

    Parameters
    ----------
    tokens : tokens table.
    by : ``"region_id"`` (one document per plan) or ``"unit_id"`` (per unit).
    doc_ids : documents in row order (default: every id, sorted).
    sublinear_tf, min_df, max_df : passed to ``TfidfVectorizer``.

    Returns
    -------
    DocumentTermMatrix
    """
    ids, docs = documents_from_tokens(tokens, by=by, doc_ids=doc_ids, stream=True)
    vectorizer = TfidfVectorizer(
        analyzer=identity_analyzer, sublinear_tf=sublinear_tf, min_df=min_df, max_df=max_df,
        smooth_idf=True, norm="l2", dtype=np.float64,
    )
    matrix = vectorizer.fit_transform(docs).tocsr()
    matrix.sort_indices()
    doc_name = "region" if by == "region_id" else "unit"
    return DocumentTermMatrix(
        matrix=matrix, doc_ids=ids, terms=vectorizer.get_feature_names_out().astype(object),
        weighting=_describe_weighting(
            len(ids), doc_name, sublinear_tf=sublinear_tf, min_df=min_df, max_df=max_df
        ),
        tokenisation=_describe_tokenisation(doc_name), vectorizer=vectorizer,
    )


def _str_series(values: pa.Array) -> pd.Series:
    """A pandas string column (the default ``str`` dtype) over an Arrow array, no copy."""
    return pd.Series(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _constant(text: str, n_rows: int) -> pd.Categorical:
    # A long sentence repeated on every row: a categorical stores it once.
    return pd.Categorical.from_codes(np.zeros(n_rows, dtype=np.int8), categories=[text])


def _pair_rows(ids: np.ndarray, matrix: sp.csr_matrix) -> pd.DataFrame:
    """Cosine of every unordered pair (a < b) of rows of an L2-normalised matrix."""
    order = np.argsort(ids.astype(str), kind="stable")
    ids, matrix = ids[order], matrix[order]
    gram = (matrix @ matrix.T).toarray()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    a, b = np.triu_indices(len(ids), k=1)
    cos = np.clip(gram[a, b], 0.0, 1.0)
    # A document left without terms (all pruned) has no direction: cosine undefined.
    cos = np.where((norms[a] > 0) & (norms[b] > 0), cos, np.nan)
    return pd.DataFrame({
        "region_a": ids[a].astype(str), "region_b": ids[b].astype(str),
        "cosine": np.round(cos, SCORE_DECIMALS),
    })


def similarity_regions(
    tokens: pd.DataFrame, *, sublinear_tf: bool = False, min_df: int | float = 1,
    max_df: int | float = 1.0,
) -> pd.DataFrame:
    """TF-IDF cosine similarity of every pair of plans (regions).

    Each region's tokens form one document; idf is computed over the regions
    (N = number of regions), so a term every plan uses gets the smallest
    weight, idf = 1.

    Parameters
    ----------
    tokens : tokens table (``region_id, unit_id, position, token``).
    sublinear_tf : bool, default False -- use ``1 + ln(count)`` instead of counts.
    min_df, max_df : default 1 and 1.0 -- vocabulary pruning, as in scikit-learn.

    Returns
    -------
    DataFrame with columns ``schema.SIMILARITY_REGIONS``: ``region_a, region_b``
    (each unordered pair once, ``region_a < region_b``, sorted), ``cosine`` (in
    [0, 1], NaN if a region has no terms left), ``weighting`` and
    ``tokenisation`` (sentences stating how the vectors were made) and
    ``n_terms`` (vocabulary size).  :func:`similarity_matrix` gives the square form.

    Handed the tokens of some units only (a theme's, say), it fits the idf on
    those restricted documents: that is ``similarity_by_group(tokens,
    unit_ids=..., idf_from="subset")``, not the shipped ``similarity_by_theme``
    (whole-plan idf); :func:`similarity_by_theme` explains which to cite.

    References
    ----------
    Salton & Buckley (1988); Manning, Raghavan & Schütze (2008), *Introduction
    to Information Retrieval*, ch. 6.
    """
    dtm = tfidf_matrix(
        tokens, by="region_id", sublinear_tf=sublinear_tf, min_df=min_df, max_df=max_df
    )
    out = _pair_rows(dtm.doc_ids, dtm.matrix)
    out["weighting"] = _constant(dtm.weighting, len(out))
    out["tokenisation"] = _constant(dtm.tokenisation, len(out))
    out["n_terms"] = len(dtm.terms)
    return out.loc[:, schema.SIMILARITY_REGIONS].reset_index(drop=True)


def pair_columns(similarity: pd.DataFrame) -> tuple[str, str]:
    """The two columns naming a pairs table's sides: ``region_a, region_b`` or ``group_a, group_b``.

    Raises ``ValueError`` naming both allowed pairs if neither (or both) is present.
    """
    found = [cols for cols in PAIR_COLUMNS if all(c in similarity.columns for c in cols)]
    if len(found) != 1:
        raise ValueError(
            f"similarity must have exactly one of the column pairs {PAIR_COLUMNS}; "
            f"it has {list(similarity.columns)}"
        )
    return found[0]


def similarity_matrix(similarity: pd.DataFrame, *, value: str = "cosine") -> pd.DataFrame:
    """Square, symmetric matrix from a pairs table; diagonal 1.

    This only reshapes: it computes no similarity.  The numbers are those of
    the table given -- :func:`similarity_regions` (whole plans),
    :func:`similarity_by_group` (any grouping, any units subset) or one
    theme's rows of :func:`similarity_by_theme` -- so two matrices differ
    exactly as their tables do (see :func:`similarity_by_theme` on idf).

    Parameters
    ----------
    similarity : pairs table with ``region_a, region_b`` (or ``group_a,
        group_b``) and ``value``, each pair once or twice.  Rows whose
        ``status`` (when present) is not ``"compared"`` are left out.
    value : str, default ``"cosine"`` -- the column to spread.

    Returns
    -------
    DataFrame indexed by the sorted ids (index named after the first side
    column, columns after the second).  Raises ``ValueError`` if a pair is
    missing or listed twice with different values.
    """
    side_a, side_b = pair_columns(similarity)
    _check_columns(similarity, [value], "similarity")
    if "status" in similarity.columns:
        similarity = similarity.loc[similarity["status"] == STATUS_COMPARED]
    regions = sorted(
        str(r) for r in pd.unique(pd.concat([similarity[side_a], similarity[side_b]]))
    )
    index = pd.Index(regions)
    mat = np.full((len(regions), len(regions)), np.nan)
    ia = index.get_indexer(similarity[side_a].astype(str))
    ib = index.get_indexer(similarity[side_b].astype(str))
    vals = similarity[value].to_numpy(dtype=float)
    for x, y in ((ia, ib), (ib, ia)):
        previous = mat[x, y]
        clash = ~np.isnan(previous) & ~np.isclose(previous, vals, equal_nan=True)
        if clash.any():
            raise ValueError(f"similarity lists a pair twice with different {value!r} values")
        mat[x, y] = vals
    np.fill_diagonal(mat, 1.0)
    if np.isnan(mat).any():
        i, j = np.argwhere(np.isnan(mat))[0]
        raise ValueError(
            f"similarity has no {value!r} for the pair ({regions[i]!r}, {regions[j]!r})"
        )
    return pd.DataFrame(mat, index=index.rename(side_a), columns=index.rename(side_b))


def unit_themes(
    tokens: pd.DataFrame, units: pd.DataFrame, theme_col: str
) -> pd.DataFrame:
    """Region and theme of every unit that has tokens: ``unit_id, region_id, theme``.

    Raises ``ValueError`` if ``theme_col`` is not a column of ``units`` or a
    unit of ``tokens`` is missing from ``units`` or has no theme.
    """
    if theme_col not in units.columns:
        raise ValueError(
            f"units table has no theme column {theme_col!r} (columns: {list(units.columns)}); "
            "run the themes stage first or pass theme_col="
        )
    _check_columns(units, ["region_id", "unit_id"], "units")
    unit_ids = units["unit_id"].astype(str)
    if not unit_ids.is_unique:
        raise ValueError("units table has duplicate unit_id values")
    _, present = _factorize(tokens["unit_id"])
    table = pd.DataFrame({
        "region_id": units["region_id"].astype(str).to_numpy(),
        "theme": units[theme_col].to_numpy(),
    }, index=unit_ids.to_numpy()).reindex(present)
    missing = table["region_id"].isna().to_numpy() | table["theme"].isna().to_numpy()
    if missing.any():
        raise ValueError(
            f"{int(missing.sum())} unit_id(s) in tokens are not in units or have no "
            f"{theme_col!r}, e.g. {present[missing][0]!r}"
        )
    table["theme"] = table["theme"].astype(str)
    return table.rename_axis("unit_id").reset_index()


def _status_column(
    n_a: np.ndarray, n_b: np.ndarray, compared: np.ndarray, cosine: np.ndarray, *,
    min_units: int, side_a: str, side_b: str,
) -> pd.Categorical:
    """Why each pair has (or lacks) a cosine, as a short sentence per row.

    Built from integer keys so that the sentences are made once per distinct
    reason, not once per row (a theme of 1,000 plans has 500,000 pairs).
    """
    low_a = np.where(n_a < min_units, n_a, -1).astype(np.int64)
    low_b = np.where(n_b < min_units, n_b, -1).astype(np.int64)
    no_terms = compared & np.isnan(cosine)
    span = int(max(n_a.max(initial=0), n_b.max(initial=0))) + 2
    key = ((low_a + 1) * span + (low_b + 1)) * 2 + no_terms
    codes, uniques = pd.factorize(key, sort=True)
    sentences = []
    for value in uniques:
        rest, empty = divmod(int(value), 2)
        a, b = divmod(rest, span)
        a, b = a - 1, b - 1
        short = [f"{side} ({n} < {min_units})" for side, n in ((side_a, a), (side_b, b))
                 if n >= 0]
        if short:
            sentences.append("not compared: fewer than min_units units in "
                             + " and ".join(short))
        elif empty:
            sentences.append("compared: no terms left after min_df/max_df pruning, cosine "
                             "undefined")
        else:
            sentences.append(STATUS_COMPARED)
    return pd.Categorical.from_codes(codes, categories=sentences)


def _fit_vectorizer(
    docs: Iterator[list[str]], *, sublinear_tf: bool, min_df: int | float, max_df: int | float,
) -> tuple[TfidfVectorizer, sp.csr_matrix]:
    vectorizer = TfidfVectorizer(
        analyzer=identity_analyzer, sublinear_tf=sublinear_tf, min_df=min_df, max_df=max_df,
        smooth_idf=True, norm="l2", dtype=np.float64,
    )
    return vectorizer, vectorizer.fit_transform(docs).tocsr()


def _compare_groups(
    doc_codes: np.ndarray, ids: np.ndarray, n_units: np.ndarray, *, min_units: int,
    positions: np.ndarray, word_codes: np.ndarray, word_names: np.ndarray,
    corpus: DocumentTermMatrix | None, sublinear_tf: bool, min_df: int | float,
    max_df: int | float, doc_name: str, restriction: str, idf_note: str,
    sides: tuple[str, str],
) -> pd.DataFrame:
    """Every unordered pair of ``ids`` (sorted), with a cosine where both have enough units.

    ``doc_codes`` gives, per token, the index into ``ids`` of its document (-1:
    not in any).  Groups with fewer than ``min_units`` units are listed but not
    compared; with ``corpus=None`` the idf is fitted on the compared groups'
    documents only, else ``corpus.vectorizer`` (fitted on whole documents) is
    applied.  Columns ``a, b, cosine, n_units_a, n_units_b, status, weighting,
    tokenisation, n_terms``.
    """
    compared = n_units >= min_units
    kept = np.flatnonzero(compared)
    a, b = np.triu_indices(len(ids), k=1)
    cosine = np.full(len(a), np.nan)
    if corpus is not None:
        weighting, n_terms = corpus.weighting, len(corpus.terms)
    else:
        weighting = _describe_weighting(
            len(kept), doc_name, sublinear_tf=sublinear_tf, min_df=min_df, max_df=max_df,
            idf_note=idf_note,
        )
        n_terms = 0
    if len(kept) >= 2:
        # Tokens of groups left out go nowhere, so they add nothing to df either.
        slot = np.full(len(ids) + 1, -1)
        slot[kept] = np.arange(len(kept))
        docs = _stream_documents(slot[doc_codes], positions, word_codes, word_names, len(kept))
        if corpus is not None:
            matrix = corpus.vectorizer.transform(docs).tocsr()
        else:
            vectorizer, matrix = _fit_vectorizer(docs, sublinear_tf=sublinear_tf, min_df=min_df,
                                                 max_df=max_df)
            n_terms = len(vectorizer.vocabulary_)
        kept_pairs = _pair_rows(ids[kept], matrix)
        # _pair_rows sorts its ids; ids are sorted already, so its pairs follow triu order.
        both = compared[a] & compared[b]
        cosine[both] = kept_pairs["cosine"].to_numpy()
    status = _status_column(n_units[a], n_units[b], compared[a] & compared[b], cosine,
                            min_units=min_units, side_a=sides[0], side_b=sides[1])
    return pd.DataFrame({
        "a": ids[a].astype(str), "b": ids[b].astype(str), "cosine": cosine,
        "n_units_a": n_units[a].astype(np.int64), "n_units_b": n_units[b].astype(np.int64),
        "status": status,
        "weighting": _constant(weighting, len(a)),
        "tokenisation": _constant(
            _describe_tokenisation(doc_name) + f"; each {doc_name}'s document {restriction}",
            len(a)),
        "n_terms": n_terms,
    })


def similarity_by_theme(
    tokens: pd.DataFrame, units: pd.DataFrame, *, theme_col: str = "theme", min_units: int = 3,
    idf_scope: str = "corpus", sublinear_tf: bool = False, min_df: int | float = 1,
    max_df: int | float = 1.0,
) -> pd.DataFrame:
    """TF-IDF cosine of every pair of regions, computed on one theme's units at a time.

    For each theme, a region's document is the tokens of its units coded with
    that theme; the pair's cosine answers "how alike are these two plans when
    they talk about teachers?".  Every pair of regions with tokens is listed
    for every theme; a pair is compared only if both regions have at least
    ``min_units`` units of the theme, otherwise its ``cosine`` is NaN and
    ``status`` says which region fell short and by how much.

    The two ``idf_scope`` values answer different questions, and give different
    numbers for the same sentences (often by 0.02-0.05 on the shipped plans),
    only because of the idf: tf counting, vocabulary pruning and L2
    normalisation are the same.  The cosine of two restricted documents does
    not depend on terms neither contains, so the vocabulary size does not
    matter, only the idf of the terms they use.

    * ``"corpus"`` (default, the shipped table): idf from the whole plans, one
      document per region, the same weights as :func:`similarity_regions`.
      A theme's cosine is then the plans' cosine restricted to the theme's
      sentences, comparable across themes and with the whole-plan cosine.
      Cite this one when comparing themes with each other or with the plans.
    * ``"theme"``: idf recomputed over the theme's documents of the compared
      regions only (regions below ``min_units`` do not count in N or df).  A
      word every plan uses for teachers (教师, 队伍) then gets the smallest
      weight even if it is rare elsewhere, so the cosine measures the more
      distinctive wording within the theme.  Use it to ask which plans word a
      theme alike beyond the theme's stock vocabulary; it is what
      ``similarity_regions`` (or :func:`similarity_by_group`) gives on the
      theme's units alone, provided the same regions take part.

    :func:`similarity_by_group` reproduces both: with ``unit_ids`` the theme's
    units and the same ``min_units``, ``idf_from="corpus"`` equals
    ``idf_scope="corpus"`` and ``idf_from="subset"`` equals ``idf_scope="theme"``.

    Parameters
    ----------
    tokens : tokens table.
    units : units table with ``unit_id``, ``region_id`` and ``theme_col``.
    theme_col : str, default ``"theme"`` -- one primary theme id per unit.
    min_units : int, default 3 -- a region is compared within a theme only if
        it has at least this many units with tokens in that theme (fewer
        sentences give unstable vectors); its pairs are still listed, with
        ``cosine`` NaN and the reason in ``status``.
    idf_scope : ``"corpus"`` (default) or ``"theme"``, see above.
    sublinear_tf, min_df, max_df : as in :func:`similarity_regions`.

    Returns
    -------
    DataFrame with columns ``schema.SIMILARITY_BY_THEME``: ``theme, region_a,
    region_b`` (every unordered pair of regions with tokens, ``region_a <
    region_b``, for every theme), ``cosine`` (NaN when not compared),
    ``n_units_a, n_units_b`` (units with tokens in the theme, 0 included),
    ``status`` (``"compared"``, or e.g. ``"not compared: fewer than min_units
    units in region_b (2 < 3)"``), ``weighting, tokenisation, n_terms``;
    sorted by theme, region_a, region_b.
    """
    _check_allowed("idf_scope", idf_scope, IDF_SCOPES)
    _check_min_units(min_units)
    check_tokens(tokens)
    per_unit = unit_themes(tokens, units, theme_col)
    n_units = per_unit.groupby(["theme", "region_id"], sort=True).size()
    # Code arrays computed once; each theme then only selects its tokens.
    unit_codes, unit_names = _factorize(tokens["unit_id"])
    theme_codes, theme_names = _factorize(
        per_unit.set_index("unit_id")["theme"].reindex(unit_names)
    )
    theme_of_token = theme_codes[unit_codes]
    region_codes, region_names = _factorize(tokens["region_id"])
    word_codes, word_names = _factorize(tokens["token"])
    positions = tokens["position"].to_numpy()
    ids = np.array(sorted(region_names), dtype=object)
    region_slot = pd.Index(ids).get_indexer(region_names)[region_codes]
    corpus = None
    if idf_scope == "corpus":
        corpus = tfidf_matrix(
            tokens, by="region_id", sublinear_tf=sublinear_tf, min_df=min_df, max_df=max_df
        )
    frames = []
    for theme in sorted(n_units.index.get_level_values("theme").unique()):
        counts = n_units.loc[theme].reindex(ids, fill_value=0).to_numpy()
        chosen = theme_of_token == int(np.flatnonzero(theme_names == theme)[0])
        rows = _compare_groups(
            np.where(chosen, region_slot, -1), ids, counts, min_units=min_units,
            positions=positions, word_codes=word_codes, word_names=word_names, corpus=corpus,
            sublinear_tf=sublinear_tf, min_df=min_df, max_df=max_df, doc_name="region",
            restriction="restricted to its units of the theme",
            idf_note=" (each restricted to the theme's units)", sides=("region_a", "region_b"),
        )
        rows.insert(0, "theme", theme)
        frames.append(rows.rename(columns={"a": "region_a", "b": "region_b"}))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in schema.SIMILARITY_BY_THEME})
    out = pd.concat(frames, ignore_index=True)
    for col in ("status", "weighting", "tokenisation"):
        # Themes may differ in the sentence; keep one category list for the whole column.
        out[col] = pd.Categorical(out[col].astype(object))
    out = out.sort_values(["theme", "region_a", "region_b"], kind="stable")
    return out.loc[:, schema.SIMILARITY_BY_THEME].reset_index(drop=True)


def similarity_by_group(
    tokens: pd.DataFrame, *, group_col: str = "region_id",
    unit_ids: Sequence[str] | None = None, idf_from: str = "subset", min_units: int = 1,
    sublinear_tf: bool = False, min_df: int | float = 1, max_df: int | float = 1.0,
) -> pd.DataFrame:
    """TF-IDF cosine of every pair of groups, each group's tokens one document.

    A group is a value of any column of the tokens table: ``region_id`` (one
    document per plan, as :func:`similarity_regions`), or a column joined to
    the tokens such as ``plan_year``, ``admin_level`` or the unit's ``part``.
    ``unit_ids`` restricts the documents to some units (a theme's sentences,
    say); every group found in ``tokens`` is still listed, and a group with
    fewer than ``min_units`` of those units is not compared (``cosine`` NaN,
    reason in ``status``).

    Parameters
    ----------
    tokens : tokens table (``region_id, unit_id, position, token``) with ``group_col``.
    group_col : str, default ``"region_id"`` -- the column whose values are the
        documents; missing values are not allowed.
    unit_ids : sequence of str, optional -- only these units' tokens make the
        documents (default: all units).
    idf_from : ``"subset"`` (default) or ``"corpus"``.  ``"subset"``: idf fitted
        on the compared groups' restricted documents, which is what
        :func:`similarity_regions` gives when handed the subset's tokens, and
        ``similarity_by_theme(idf_scope="theme")`` for a theme's units.
        ``"corpus"``: idf fitted on the groups' whole documents (all of
        ``tokens``) and applied to the restricted ones, as
        ``similarity_by_theme(idf_scope="corpus")`` does.  Without
        ``unit_ids`` and with ``min_units=1`` both give the same numbers.
        See :func:`similarity_by_theme` for which to cite.
    min_units : int, default 1 -- units (of the subset, with tokens) a group
        needs to be compared.
    sublinear_tf, min_df, max_df : as in :func:`similarity_regions`.

    Returns
    -------
    DataFrame with columns ``schema.SIMILARITY_BY_GROUP``: ``group_col`` (the
    column's name, on every row), ``group_a, group_b`` (every unordered pair of
    groups, ``group_a < group_b`` as strings, sorted), ``cosine`` (0-1; NaN if
    not compared or a document has no terms left), ``n_units_a, n_units_b``
    (units of the subset with tokens), ``status`` (``"compared"`` or why not),
    ``idf_from``, ``weighting, tokenisation, n_terms``.
    :func:`similarity_matrix` and :func:`region_linkage` accept it as they are.

    References
    ----------
    Salton & Buckley (1988); Manning, Raghavan & Schütze (2008), ch. 6.
    """
    _check_allowed("idf_from", idf_from, IDF_SOURCES)
    _check_min_units(min_units)
    check_tokens(tokens)
    if group_col not in tokens.columns:
        raise ValueError(
            f"tokens table has no group column {group_col!r} (columns: {list(tokens.columns)}); "
            "join it first, e.g. load_tokens(region_columns=...)"
        )
    group_codes, group_names = _factorize(tokens[group_col])
    ids = np.array(sorted(group_names), dtype=object)
    slot = pd.Index(ids).get_indexer(group_names)[group_codes]
    word_codes, word_names = _factorize(tokens["token"])
    positions = tokens["position"].to_numpy()
    if unit_ids is None:
        in_subset = np.ones(len(tokens), dtype=bool)
        restriction = "made of all its units"
    else:
        wanted = pd.Index(pd.unique(np.asarray([str(u) for u in unit_ids], dtype=object)))
        in_subset = wanted.get_indexer(tokens["unit_id"].astype(str)) >= 0
        restriction = f"restricted to the {len(wanted)} given units"
    doc_codes = np.where(in_subset, slot, -1)
    pairs = pd.DataFrame({"slot": doc_codes[in_subset],
                          "unit": tokens["unit_id"].to_numpy()[in_subset]}).drop_duplicates()
    n_units = np.bincount(pairs["slot"].to_numpy(dtype=np.int64), minlength=len(ids))
    corpus = None
    if idf_from == "corpus":
        vectorizer, matrix = _fit_vectorizer(
            _stream_documents(slot, positions, word_codes, word_names, len(ids)),
            sublinear_tf=sublinear_tf, min_df=min_df, max_df=max_df,
        )
        corpus = DocumentTermMatrix(
            matrix=matrix, doc_ids=ids, terms=vectorizer.get_feature_names_out().astype(object),
            weighting=_describe_weighting(len(ids), group_col, sublinear_tf=sublinear_tf,
                                          min_df=min_df, max_df=max_df,
                                          idf_note=" (whole documents, all units)"),
            tokenisation=_describe_tokenisation(group_col), vectorizer=vectorizer,
        )
    out = _compare_groups(
        doc_codes, ids, n_units, min_units=min_units, positions=positions,
        word_codes=word_codes, word_names=word_names, corpus=corpus, sublinear_tf=sublinear_tf,
        min_df=min_df, max_df=max_df, doc_name=group_col, restriction=restriction,
        idf_note=f" ({restriction}; idf fitted on them)", sides=("group_a", "group_b"),
    )
    out = out.rename(columns={"a": "group_a", "b": "group_b"})
    out.insert(0, "group_col", group_col)
    out["idf_from"] = idf_from
    return out.loc[:, schema.SIMILARITY_BY_GROUP].reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Nearest neighbours (the pairwise tables of a large collection)
# --------------------------------------------------------------------------------------

def _check_positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _sorted_rows(ids: np.ndarray, matrix: sp.spmatrix) -> tuple[np.ndarray, sp.csr_matrix]:
    ids = np.asarray(ids, dtype=object).astype(str).astype(object)
    if len(set(ids)) != len(ids):
        raise ValueError("ids contain duplicates")
    if matrix.shape[0] != len(ids):
        raise ValueError(f"matrix has {matrix.shape[0]} rows but {len(ids)} ids were given")
    order = np.argsort(ids.astype(str), kind="stable")
    return ids[order], sp.csr_matrix(matrix)[order]


def _block_cosines(matrix: sp.csr_matrix, start: int, stop: int) -> np.ndarray:
    """Rows ``start:stop`` of the cosine matrix of an L2-normalised matrix, rounded.

    Each entry is the same sparse dot product ``_pair_rows`` computes, so the
    rounded values are equal to those of the all-pairs tables.
    """
    gram = (matrix[start:stop] @ matrix.T).toarray()
    return np.round(np.clip(gram, 0.0, 1.0), SCORE_DECIMALS)


def nearest_neighbours(
    ids: Sequence[str], matrix: sp.spmatrix, *, k: int = config.NEIGHBOURS_K,
    block_rows: int = NEIGHBOUR_BLOCK_ROWS,
) -> pd.DataFrame:
    """Each row's ``k`` most similar other rows by cosine, without the dense N x N matrix.

    The rows of ``matrix`` (L2-normalised, one per id) are taken ``block_rows``
    at a time: the block times the transpose of the whole matrix gives its
    cosines (``block_rows`` x N), rounded to ``SCORE_DECIMALS`` like the
    all-pairs tables, and ``np.partition`` finds each row's k-th largest
    cosine; of the candidates at or above it, the ``k`` largest are kept,
    ties going to the smaller id.  Memory is one block, so it runs at any N;
    time grows with N^2 (each pair is computed once from each side).

    A row without terms (norm 0) has no direction: it gets no neighbours and
    is no one's neighbour.  With ``k`` at least the number of other rows every
    ordered pair is listed.

    Parameters
    ----------
    ids : row ids (unique; compared as strings).
    matrix : sparse matrix, one L2-normalised row per id (e.g. ``tfidf_matrix(...).matrix``).
    k : int, default ``config.NEIGHBOURS_K`` (10) -- neighbours per row.
    block_rows : int, default ``NEIGHBOUR_BLOCK_ROWS`` (256) -- rows per block.

    Returns
    -------
    DataFrame with columns ``region_id, neighbour, rank, cosine``: ``rank`` 1 is
    the most similar; sorted by ``region_id`` then ``rank``.
    """
    _check_positive_int("k", k)
    _check_positive_int("block_rows", block_rows)
    ids, matrix = _sorted_rows(np.asarray(ids, dtype=object), matrix)
    n = len(ids)
    defined = np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel() > 0
    kk = min(int(k), int(defined.sum()) - 1)
    rows_out, cols_out, cos_out = [], [], []
    if kk >= 1:
        for start in range(0, n, block_rows):
            stop = min(start + block_rows, n)
            score = _block_cosines(matrix, start, stop)
            score[:, ~defined] = -np.inf
            score[np.arange(stop - start), np.arange(start, stop)] = -np.inf
            # The k-th largest of each row; rows without terms are dropped below.
            kth = np.partition(score, n - kk, axis=1)[:, n - kk]
            r, c = np.nonzero(score >= kth[:, None])
            value = score[r, c]
            order = np.lexsort((c, -value, r))
            r, c, value = r[order], c[order], value[order]
            rank = np.arange(len(r)) - np.searchsorted(r, r, side="left")
            keep = (rank < kk) & defined[start + r]
            rows_out.append(start + r[keep])
            cols_out.append(c[keep])
            cos_out.append(value[keep])
    r = np.concatenate(rows_out) if rows_out else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols_out) if cols_out else np.zeros(0, dtype=np.int64)
    cosine = np.concatenate(cos_out) if cos_out else np.zeros(0)
    rank = np.arange(len(r)) - np.searchsorted(r, r, side="left") + 1
    return pd.DataFrame({
        "region_id": ids[r].astype(str), "neighbour": ids[c].astype(str),
        "rank": rank.astype(np.int64), "cosine": cosine.astype(float),
    })


def similarity_neighbours(
    tokens: pd.DataFrame, *, k: int = config.NEIGHBOURS_K, sublinear_tf: bool = False,
    min_df: int | float = 1, max_df: int | float = 1.0, block_rows: int = NEIGHBOUR_BLOCK_ROWS,
) -> pd.DataFrame:
    """Each plan's ``k`` most similar plans: :func:`similarity_regions` as a neighbour table.

    The same TF-IDF vectors and rounded cosines as :func:`similarity_regions`
    (one document per region, idf over the regions), but only each plan's
    ``k`` nearest plans are kept (:func:`nearest_neighbours`), so the table has
    at most ``k`` x N rows instead of N(N-1)/2 and no N x N matrix is held.
    With ``k`` at least N - 1 it lists every pair, in both directions.

    Parameters
    ----------
    tokens : tokens table.
    k : int, default ``config.NEIGHBOURS_K`` (10).
    sublinear_tf, min_df, max_df : as in :func:`similarity_regions`.
    block_rows : rows of the similarity matrix computed at once.

    Returns
    -------
    DataFrame with columns ``schema.SIMILARITY_NEIGHBOURS``: ``region_id,
    neighbour, rank`` (1 = most similar; ties to the smaller id), ``cosine``,
    ``weighting, tokenisation, n_terms`` (as in :func:`similarity_regions`);
    sorted by region_id, rank.

    References
    ----------
    Manning, Raghavan & Schütze (2008), *Introduction to Information Retrieval*,
    ch. 6-7 (cosine ranking, top-k retrieval).
    """
    dtm = tfidf_matrix(
        tokens, by="region_id", sublinear_tf=sublinear_tf, min_df=min_df, max_df=max_df
    )
    out = nearest_neighbours(dtm.doc_ids, dtm.matrix, k=k, block_rows=block_rows)
    out["weighting"] = _constant(dtm.weighting, len(out))
    out["tokenisation"] = _constant(dtm.tokenisation, len(out))
    out["n_terms"] = len(dtm.terms)
    return out.loc[:, schema.SIMILARITY_NEIGHBOURS].reset_index(drop=True)


def similarity_neighbours_by_theme(
    tokens: pd.DataFrame, units: pd.DataFrame, *, theme_col: str = "theme", min_units: int = 3,
    k: int = config.NEIGHBOURS_K, sublinear_tf: bool = False, min_df: int | float = 1,
    max_df: int | float = 1.0, block_rows: int = NEIGHBOUR_BLOCK_ROWS,
) -> pd.DataFrame:
    """Each plan's ``k`` most similar plans within each theme (neighbours by theme).

    The cosines of ``similarity_by_theme(idf_scope="corpus")`` (the shipped
    table: idf from the whole plans, a region's document restricted to its
    units of the theme): within a theme, only regions with at least
    ``min_units`` units of it take part, and each keeps its ``k`` nearest
    (:func:`nearest_neighbours`).  With ``k`` at least the number of compared
    regions minus one, the rows are the compared pairs of
    :func:`similarity_by_theme` with a cosine, in both directions.

    Parameters
    ----------
    tokens : tokens table.
    units : units table with ``unit_id``, ``region_id`` and ``theme_col``.
    theme_col, min_units, sublinear_tf, min_df, max_df : as in :func:`similarity_by_theme`.
    k : int, default ``config.NEIGHBOURS_K`` (10).
    block_rows : rows of each theme's similarity matrix computed at once.

    Returns
    -------
    DataFrame with columns ``schema.SIMILARITY_NEIGHBOURS_BY_THEME``: ``theme,
    region_id, neighbour, rank, cosine, n_units`` (the region's units with
    tokens in the theme), ``weighting, tokenisation, n_terms``; sorted by theme,
    region_id, rank.
    """
    _check_min_units(min_units)
    check_tokens(tokens)
    per_unit = unit_themes(tokens, units, theme_col)
    n_units = per_unit.groupby(["theme", "region_id"], sort=True).size()
    unit_codes, unit_names = _factorize(tokens["unit_id"])
    theme_codes, theme_names = _factorize(
        per_unit.set_index("unit_id")["theme"].reindex(unit_names)
    )
    theme_of_token = theme_codes[unit_codes]
    region_codes, region_names = _factorize(tokens["region_id"])
    word_codes, word_names = _factorize(tokens["token"])
    positions = tokens["position"].to_numpy()
    ids = np.array(sorted(region_names), dtype=object)
    region_slot = pd.Index(ids).get_indexer(region_names)[region_codes]
    corpus = tfidf_matrix(
        tokens, by="region_id", sublinear_tf=sublinear_tf, min_df=min_df, max_df=max_df
    )
    tokenisation = (_describe_tokenisation("region")
                    + "; each region's document restricted to its units of the theme")
    frames = []
    for theme in sorted(n_units.index.get_level_values("theme").unique()):
        counts = n_units.loc[theme].reindex(ids, fill_value=0).to_numpy()
        kept = np.flatnonzero(counts >= min_units)
        if len(kept) < 2:
            continue
        chosen = theme_of_token == int(np.flatnonzero(theme_names == theme)[0])
        slot = np.full(len(ids) + 1, -1)
        slot[kept] = np.arange(len(kept))
        doc_codes = slot[np.where(chosen, region_slot, -1)]
        docs = _stream_documents(doc_codes, positions, word_codes, word_names, len(kept))
        matrix = corpus.vectorizer.transform(docs).tocsr()
        rows = nearest_neighbours(ids[kept], matrix, k=k, block_rows=block_rows)
        rows.insert(0, "theme", theme)
        rows["n_units"] = pd.Series(counts, index=ids).reindex(rows["region_id"]).to_numpy(
            dtype=np.int64)
        frames.append(rows)
    columns = schema.SIMILARITY_NEIGHBOURS_BY_THEME
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    out = pd.concat(frames, ignore_index=True)
    out["weighting"] = _constant(corpus.weighting, len(out))
    out["tokenisation"] = _constant(tokenisation, len(out))
    out["n_terms"] = len(corpus.terms)
    return out.loc[:, columns].reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Passage alignment
# --------------------------------------------------------------------------------------

def _prefix_split(matrix: sp.csr_matrix, df: np.ndarray, threshold: float) -> tuple[
    sp.csr_matrix, sp.csr_matrix, np.ndarray
]:
    """Split each row into an indexed part and a small left-out part (prefix filter).

    Within each row, terms are taken from the most to the least frequent (ties
    by column); the leading terms whose cumulative squared weight stays below
    ``threshold**2`` are left out, so the left-out part of every row has norm
    below ``threshold``.  For unit vectors x, y write x = I_x + L_x.  Then
    ``x.y = I_x.y + L_x.I_y + L_x.L_y`` and ``L_x.L_y <= |L_x| |L_y| < threshold**2``:
    a pair reaching ``threshold`` always shares a term in an indexed part, and
    the two cheap sparse products give all of its score but ``L_x.L_y``
    (the prefix filter of Bayardo, Ma & Srikant 2007, made symmetric).

    Returns (indexed, left_out, left_out_norm).
    """
    lengths = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(matrix.shape[0]), lengths)
    order = np.lexsort((matrix.indices, -df[matrix.indices], rows))
    cumulative = np.cumsum(matrix.data[order] ** 2)
    before = np.concatenate([[0.0], cumulative])[matrix.indptr[:-1]]
    within = cumulative - np.repeat(before, lengths)
    is_indexed = np.zeros(matrix.nnz, dtype=bool)
    is_indexed[order[within >= threshold ** 2]] = True
    parts = []
    for mask in (is_indexed, ~is_indexed):
        part = sp.csr_matrix(
            (np.where(mask, matrix.data, 0.0), matrix.indices.copy(), matrix.indptr.copy()),
            shape=matrix.shape,
        )
        part.eliminate_zeros()
        part.sort_indices()
        parts.append(part)
    rest = np.bincount(rows, weights=np.where(is_indexed, 0.0, matrix.data ** 2),
                       minlength=matrix.shape[0])
    return parts[0], parts[1], np.sqrt(rest)


def _row_dots(matrix: sp.csr_matrix, q: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``matrix[q[i]] . matrix[c[i]]`` for many pairs, by looking up the terms of row q."""
    if len(q) == 0:
        return np.zeros(0)
    n_cols = np.int64(matrix.shape[1])
    row_lengths = np.diff(matrix.indptr)
    keys = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), row_lengths) * n_cols \
        + matrix.indices.astype(np.int64)
    lengths = row_lengths[q]
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(len(q))
    pair = np.repeat(np.arange(len(q)), lengths)
    at = np.repeat(matrix.indptr[q], lengths) + (
        np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    )
    wanted = c[pair].astype(np.int64) * n_cols + matrix.indices[at].astype(np.int64)
    hit = np.searchsorted(keys, wanted)
    hit_clipped = np.minimum(hit, len(keys) - 1)
    found = (hit < len(keys)) & (keys[hit_clipped] == wanted)
    other = np.where(found, matrix.data[hit_clipped], 0.0)
    return np.bincount(pair, weights=matrix.data[at] * other, minlength=len(q))


def _row_blocks(cost: np.ndarray, budget: int) -> list[tuple[int, int]]:
    """Consecutive row ranges whose summed cost stays within ``budget`` (one row at least)."""
    ends = np.cumsum(cost)
    blocks, start, offset = [], 0, 0.0
    while start < len(cost):
        stop = int(np.searchsorted(ends, offset + budget, side="right"))
        stop = max(stop, start + 1)
        blocks.append((start, stop))
        offset = ends[stop - 1]
        start = stop
    return blocks


def default_min_score(n_regions: int) -> float:
    """The alignment threshold used when ``min_score`` is not given.

    ``config.ALIGNMENT_MIN_SCORE`` (0.3) for up to
    ``config.ALIGNMENT_MAX_REGIONS_AT_MIN_SCORE`` (100) regions, else
    ``config.ALIGNMENT_MIN_SCORE_LARGE`` (0.5): the search costs about 0.24 s
    per plan at 0.3 but 0.05 s at 0.5 on 1,000 plans.
    """
    if n_regions <= config.ALIGNMENT_MAX_REGIONS_AT_MIN_SCORE:
        return config.ALIGNMENT_MIN_SCORE
    return config.ALIGNMENT_MIN_SCORE_LARGE


def passage_alignment(
    tokens: pd.DataFrame, units: pd.DataFrame, *, min_score: float | None = None,
    regions: Sequence[str] | None = None, sublinear_tf: bool = False,
    min_df: int | float = 1, max_df: int | float = 1.0,
    max_matches: int | None = config.ALIGNMENT_MAX_MATCHES,
    max_block_pairs: int = 4_000_000,
) -> pd.DataFrame:
    """For each unit, its most similar unit in each of its best-matching other regions.

    Units are TF-IDF vectors (one document per unit; idf over all units of all
    plans).  For every unit of every region (or of ``regions``) and every other
    region, the unit of that other region with the highest cosine is a match
    if the cosine is at least ``min_score``; each unit keeps its
    ``max_matches`` best matches.  Ties go to the other unit that comes first
    in the units table.  Units of the same region are never paired.

    The defaults are safe at any scale, so callers need no special case for
    large collections: at most ``config.ALIGNMENT_MAX_MATCHES`` (5) rows per
    unit, and ``min_score`` 0.3 up to ``config.ALIGNMENT_MAX_REGIONS_AT_MIN_SCORE``
    (100) regions, 0.5 beyond (:func:`default_min_score`).  With five plans
    no unit has more than four other regions, so the bound changes nothing
    there.  Measured on one core at 1,000 synthetic plans (335,000 sentences):
    unbounded at 0.3 the table would have about 35 million rows (7 minutes);
    with the defaults see ``benchmarks/``.

    The search is exact and runs in blocks of query rows.  Candidate pairs and
    most of their score come from two sparse products over a prefix-filtered
    index (Bayardo, Ma & Srikant 2007, see ``_prefix_split``): each unit's most
    frequent terms, holding less than ``min_score`` of its norm, are left out
    of the index, so no pair reaching ``min_score`` is missed and no dense
    unit x unit matrix is ever held.  Memory is bounded by ``max_block_pairs``;
    time still grows with the square of the number of units, less steeply the
    higher ``min_score`` is.  Measured on one core: 42,000 sentences of 103
    documents, 6 s at 0.3 and 3 s at 0.5; 335,000 sentences of 1,000 plans made
    of near-duplicate copies of 108 documents, about 8 s of set-up plus 0.24-0.42 s
    per plan aligned at 0.3 (up to 7 minutes for all; 35 million rows without
    ``max_matches``), 0.05-0.14 s at 0.5, 0.02 s at 0.7 -- hence the higher
    default threshold beyond 100 regions.  To align a few focal plans against
    all others, pass ``regions=`` (time linear in the collection).

    Parameters
    ----------
    tokens : tokens table.
    units : units table with ``region_id, unit_id, text``; its row order is
        document order.  Every ``unit_id`` in ``tokens`` must be in it.
    min_score : float in (0, 1], optional -- smallest cosine reported.  Higher
        values make the search much faster on large collections.  Default:
        :func:`default_min_score` of the number of regions with tokens (0.3 up
        to 100 regions, 0.5 beyond).
    regions : the regions whose units are aligned (default all); their units are
        still matched against every other region.
    sublinear_tf, min_df, max_df : TF-IDF settings, as in :func:`similarity_regions`.
    max_matches : int or None, default ``config.ALIGNMENT_MAX_MATCHES`` (5) -- keep,
        for each unit, only the best-scoring ``max_matches`` other regions (ties
        to the region first in sort order), so the table has at most
        ``max_matches`` rows per unit.  None keeps every region that reaches
        ``min_score``; with hundreds of near-identical plans that can be
        hundreds of rows per unit.
    max_block_pairs : int, default 4,000,000 -- upper bound on the candidate
        pairs of one block (about 60 bytes each at peak).

    Returns
    -------
    DataFrame with columns ``schema.PASSAGE_ALIGNMENT``: ``region_id, unit_id,
    other_region, other_unit_id, score`` (cosine, rounded), ``text, other_text``;
    sorted by region, units-table order of the unit, other_region.
    """
    if min_score is not None and (
        isinstance(min_score, bool) or not isinstance(min_score, (int, float))
        or not 0.0 < min_score <= 1.0
    ):
        raise ValueError(f"min_score must be a number in (0, 1], got {min_score!r}")
    if max_matches is not None and (
        isinstance(max_matches, bool) or not isinstance(max_matches, (int, np.integer))
        or max_matches < 1
    ):
        raise ValueError(f"max_matches must be None or a positive integer, got {max_matches!r}")
    if not isinstance(max_block_pairs, (int, np.integer)) or max_block_pairs < 1:
        raise ValueError(f"max_block_pairs must be a positive integer, got {max_block_pairs!r}")
    check_tokens(tokens)
    _check_columns(units, ["region_id", "unit_id", "text"], "units")
    unit_ids = units["unit_id"].astype(str).to_numpy(dtype=object)
    if len(set(unit_ids)) != len(unit_ids):
        raise ValueError("units table has duplicate unit_id values")
    token_units = set(_factorize(tokens["unit_id"])[1])
    unknown = token_units - set(unit_ids)
    if unknown:
        raise ValueError(
            f"{len(unknown)} unit_id(s) in tokens are not in units, e.g. {sorted(unknown)[0]!r}"
        )
    unit_regions = units["region_id"].astype(str).to_numpy(dtype=object)
    if regions is not None:
        regions = [str(r) for r in regions]
        absent = sorted(set(regions) - set(unit_regions))
        if absent:
            raise ValueError(f"regions {absent} are not in the units table")
    # Rows in (region, document) order so that ties resolve to the earlier unit.
    present = np.array([u in token_units for u in unit_ids])
    doc_order = np.flatnonzero(present)
    doc_order = doc_order[np.argsort(unit_regions[doc_order], kind="stable")]
    ids = unit_ids[doc_order]
    dtm = tfidf_matrix(
        tokens, by="unit_id", doc_ids=ids, sublinear_tf=sublinear_tf, min_df=min_df,
        max_df=max_df,
    )
    matrix = dtm.matrix
    region_codes, region_names = pd.factorize(unit_regions[doc_order], sort=True)
    if min_score is None:
        min_score = default_min_score(len(region_names))
    df = np.diff(matrix.tocsc().indptr)
    indexed, left_out, rest_norm = _prefix_split(matrix, df, min_score)
    # Both partial products in one: [I_x | L_x] @ [X ; I]^T = I_x.X + L_x.I.
    stacked_rows = sp.hstack([indexed, left_out], format="csr")
    stacked_t = sp.vstack([matrix.T, indexed.T], format="csr")
    # Upper bound on a row's candidates: the summed column lengths its product touches.
    cost = (stacked_rows != 0) @ np.diff(stacked_t.indptr).astype(np.float64)
    if regions is None:
        query_rows = np.arange(matrix.shape[0])
    else:
        query_rows = np.flatnonzero(np.isin(region_names[region_codes], regions))

    found_rows, found_cols, found_scores = [], [], []
    for start, stop in _row_blocks(cost[query_rows], max_block_pairs):
        rows_here = query_rows[start:stop]
        partial = (stacked_rows[rows_here] @ stacked_t).tocoo()
        q, c, value = rows_here[partial.row], partial.col, partial.data
        keep = (region_codes[q] != region_codes[c]) & (
            value + rest_norm[q] * rest_norm[c] >= min_score - 1e-12
        )
        q, c, value = q[keep], c[keep], value[keep]
        score = value + _row_dots(left_out, q, c)
        keep = score >= min_score - 1e-12
        q, c, score = q[keep], c[keep], np.round(np.minimum(score[keep], 1.0), SCORE_DECIMALS)
        # Best per (query unit, other region); ties to the earlier unit.
        order = np.lexsort((c, -score, region_codes[c], q))
        q, c, score = q[order], c[order], score[order]
        first = np.ones(len(q), dtype=bool)
        first[1:] = (q[1:] != q[:-1]) | (region_codes[c[1:]] != region_codes[c[:-1]])
        q, c, score = q[first], c[first], score[first]
        if max_matches is not None:
            # The best max_matches other plans per unit; ties to the first plan.
            order = np.lexsort((region_codes[c], -score, q))
            q, c, score = q[order], c[order], score[order]
            rank = np.arange(len(q)) - np.searchsorted(q, q, side="left")
            keep = rank < max_matches
            q, c, score = q[keep], c[keep], score[keep]
        found_rows.append(q)
        found_cols.append(c)
        found_scores.append(score)
    q = np.concatenate(found_rows) if found_rows else np.array([], dtype=np.int64)
    c = np.concatenate(found_cols) if found_cols else np.array([], dtype=np.int64)
    score = np.concatenate(found_scores) if found_scores else np.array([], dtype=float)
    # Rows are in (region, document) order; sort by row, then other region (codes follow
    # the sorted names).  String columns are gathered by Arrow, without Python objects.
    order = np.lexsort((region_codes[c], q))
    q, c, score = q[order], c[order], score[order]
    text = pa.array(units["text"].astype(str).to_numpy(dtype=object)[doc_order], type=pa.string())
    names = pa.array([str(r) for r in region_names], type=pa.string())
    id_array = pa.array(ids.tolist(), type=pa.string())
    out = pd.DataFrame({
        "region_id": _str_series(names.take(pa.array(region_codes[q]))),
        "unit_id": _str_series(id_array.take(pa.array(q))),
        "other_region": _str_series(names.take(pa.array(region_codes[c]))),
        "other_unit_id": _str_series(id_array.take(pa.array(c))),
        "score": score,
        "text": _str_series(text.take(pa.array(q))),
        "other_text": _str_series(text.take(pa.array(c))),
    })
    return out.loc[:, schema.PASSAGE_ALIGNMENT].reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Hierarchical clustering
# --------------------------------------------------------------------------------------

class RegionLinkage(NamedTuple):
    """The two tables of a hierarchical clustering of regions.

    ``steps`` (``schema.REGION_LINKAGE``) is scipy's linkage matrix as tidy
    rows: ``steps[["cluster_a", "cluster_b", "distance", "size"]].to_numpy(float)``
    is the matrix ``scipy.cluster.hierarchy.dendrogram`` takes, with leaves
    numbered as in ``leaves``.  ``leaves`` (``schema.REGION_LINKAGE_LEAVES``)
    maps leaf numbers to regions and gives the left-to-right dendrogram order.
    """

    steps: pd.DataFrame
    leaves: pd.DataFrame


def region_linkage(
    similarity: pd.DataFrame, *, method: str = "average", value: str = "cosine",
    optimal_ordering: bool = False,
) -> RegionLinkage:
    """Agglomerative clustering of regions on cosine distance ``1 - cosine``.

    Parameters
    ----------
    similarity : pairs table such as :func:`similarity_regions` returns (every
        pair of regions present once or in both orders), or one with ``group_a,
        group_b`` such as :func:`similarity_by_group` returns (groups then take
        the regions' place, ``leaves.region_id`` holding the group values); rows
        whose ``status`` is not ``"compared"`` are left out (:func:`similarity_matrix`).
    method : ``"average"`` (default, UPGMA), ``"complete"``, ``"single"`` or
        ``"weighted"`` -- the methods valid for a non-Euclidean dissimilarity.
    value : the similarity column to use, default ``"cosine"``.
    optimal_ordering : bool, default False -- reorder leaves so that adjacent
        leaves are as close as possible (Bar-Joseph et al. 2001); changes the
        drawing, not the tree.

    Returns
    -------
    RegionLinkage(steps, leaves).  ``steps``: one row per merge, ``step``
    (1-based), ``cluster_id`` (scipy numbering: leaves 0..n-1, then n, n+1,
    ...), ``cluster_a, cluster_b`` (ids merged), ``label_a, label_b`` (region id
    of a leaf, else ``"cluster <id>"``), ``distance`` (cophenetic height),
    ``size`` (regions in the new cluster), ``members`` (its region ids, sorted,
    joined with ``;``).  ``leaves``: ``leaf`` (scipy leaf number = rank of the
    region id), ``region_id``, ``position`` (0-based left-to-right order).

    References
    ----------
    Sokal, R. R. & Michener, C. D. (1958). A statistical method for evaluating
    systematic relationships. *University of Kansas Science Bulletin* 38, 1409-1438.
    """
    _check_allowed("method", method, LINKAGE_METHODS)
    square = similarity_matrix(similarity, value=value)
    if len(square) < 2:
        raise ValueError("region_linkage needs at least two regions")
    distance = np.clip(1.0 - square.to_numpy(), 0.0, None)
    np.fill_diagonal(distance, 0.0)
    distance = (distance + distance.T) / 2.0
    condensed = squareform(distance, checks=False)
    return _linkage_tables(list(square.index), condensed, method=method,
                           optimal_ordering=optimal_ordering)


def _linkage_tables(
    regions: list[str], condensed: np.ndarray, *, method: str, optimal_ordering: bool,
) -> RegionLinkage:
    """Cluster a condensed distance vector (``regions`` sorted) into the two tidy tables."""
    z = hierarchy.linkage(condensed, method=method, optimal_ordering=optimal_ordering)
    n = len(regions)
    members: dict[int, list[str]] = {i: [r] for i, r in enumerate(regions)}
    rows = []
    for step, (a, b, dist, size) in enumerate(z, start=1):
        a, b, new = int(a), int(b), n + step - 1
        members[new] = sorted(members[a] + members[b])
        rows.append({
            "step": step, "cluster_id": new, "cluster_a": a, "cluster_b": b,
            "label_a": regions[a] if a < n else f"cluster {a}",
            "label_b": regions[b] if b < n else f"cluster {b}",
            "distance": round(float(dist), SCORE_DECIMALS), "size": int(size),
            "members": ";".join(members[new]),
        })
    steps = pd.DataFrame(rows, columns=schema.REGION_LINKAGE)
    order = hierarchy.leaves_list(z)
    leaves = pd.DataFrame({
        "leaf": np.arange(n), "region_id": regions,
        "position": np.argsort(order).astype(np.int64),
    })
    return RegionLinkage(steps=steps, leaves=leaves.loc[:, schema.REGION_LINKAGE_LEAVES])


def region_linkage_tfidf(
    tokens: pd.DataFrame, *, method: str = "average", optimal_ordering: bool = False,
    sublinear_tf: bool = False, min_df: int | float = 1, max_df: int | float = 1.0,
    max_regions: int = config.LINKAGE_MAX_REGIONS, block_rows: int = NEIGHBOUR_BLOCK_ROWS,
) -> RegionLinkage:
    """``region_linkage(similarity_regions(tokens))`` without the pairs table.

    The condensed distance vector (N(N-1)/2 floats, 100 MB at 5,000 plans) is
    filled ``block_rows`` rows of the cosine matrix at a time, with the same
    rounded cosines :func:`similarity_regions` writes, so the tree is the same
    as :func:`region_linkage` of that table; only the pairs table (three
    columns of strings per pair) and the square matrix are never made.

    Parameters
    ----------
    tokens : tokens table.
    method, optimal_ordering : as in :func:`region_linkage`.
    sublinear_tf, min_df, max_df : as in :func:`similarity_regions`.
    max_regions : int, default ``config.LINKAGE_MAX_REGIONS`` (5,000) -- more
        regions raise ``ValueError`` (the distances and scipy's O(N^2) clustering
        no longer fit in memory or time; use the neighbour tables).
    block_rows : rows of the cosine matrix computed at once.

    Returns
    -------
    RegionLinkage(steps, leaves), as :func:`region_linkage`.
    """
    _check_allowed("method", method, LINKAGE_METHODS)
    _check_positive_int("max_regions", max_regions)
    _check_positive_int("block_rows", block_rows)
    dtm = tfidf_matrix(
        tokens, by="region_id", sublinear_tf=sublinear_tf, min_df=min_df, max_df=max_df
    )
    ids, matrix = _sorted_rows(dtm.doc_ids, dtm.matrix)
    n = len(ids)
    if n < 2:
        raise ValueError("region_linkage needs at least two regions")
    if n > max_regions:
        raise ValueError(
            f"{n} regions is more than max_regions ({max_regions}): the linkage needs every "
            "pairwise distance; use similarity_neighbours instead, or raise max_regions"
        )
    norms = np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()
    if (norms == 0).any():
        raise ValueError(
            f"region {ids[np.flatnonzero(norms == 0)[0]]!r} has no terms: its cosine is undefined"
        )
    condensed = np.empty(n * (n - 1) // 2)
    for start in range(0, n, block_rows):
        stop = min(start + block_rows, n)
        distance = np.clip(1.0 - _block_cosines(matrix, start, stop), 0.0, None)
        for i in range(start, stop):
            # Row i's pairs (i, j > i) are one run of the condensed vector.
            offset = n * i - i * (i + 1) // 2
            condensed[offset:offset + n - i - 1] = distance[i - start, i + 1:]
    return _linkage_tables(list(ids.astype(str)), condensed, method=method,
                           optimal_ordering=optimal_ordering)
