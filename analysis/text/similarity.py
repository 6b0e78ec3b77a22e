"""TF-IDF documents and the similarity of plans: overall, within themes, between groups.

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

The same vectors serve three neighbouring modules: each plan's nearest plans
(:mod:`analysis.text.neighbours`), hierarchical clustering
(:mod:`analysis.text.clustering`) and sentence-by-sentence alignment
(:mod:`analysis.text.alignment`).

References
----------
Salton, G. & Buckley, C. (1988). Term-weighting approaches in automatic text
retrieval. *Information Processing & Management* 24(5), 513-523.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from analysis import schema

__all__ = [
    "check_tokens", "DOCUMENT_KEYS", "documents_from_tokens", "DocumentTermMatrix",
    "identity_analyzer", "IDF_SCOPES", "IDF_SOURCES", "PAIR_COLUMNS", "pair_columns",
    "SCORE_DECIMALS", "similarity_by_group", "similarity_by_theme", "similarity_matrix",
    "similarity_regions", "STATUS_COMPARED", "tfidf_matrix", "theme_codes", "ThemeCodes",
    "TOKEN_COLUMNS", "unit_themes",
]

SCORE_DECIMALS: int = 10
TOKEN_COLUMNS: tuple[str, ...] = ("region_id", "unit_id", "position", "token")
IDF_SCOPES: tuple[str, ...] = ("corpus", "theme")
IDF_SOURCES: tuple[str, ...] = ("subset", "corpus")
DOCUMENT_KEYS: tuple[str, ...] = ("region_id", "unit_id")
#: ``status`` of a pair whose cosine was computed (similarity_by_theme, similarity_by_group).
STATUS_COMPARED: str = "compared"
#: The column pairs a pairs table may name its two sides with.
PAIR_COLUMNS: tuple[tuple[str, str], ...] = (("region_a", "region_b"), ("group_a", "group_b"))


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


@dataclass(frozen=True)
class ThemeCodes:
    """Integer codes of a token table for per-theme documents, computed once for all themes.

    ``n_units`` counts each (theme, region)'s units with tokens; ``ids`` are the
    regions sorted, ``region_slot`` each token's region as a position in ``ids``;
    ``word_codes``/``word_names`` and ``positions`` rebuild the documents.
    """

    n_units: pd.Series
    ids: np.ndarray
    region_slot: np.ndarray
    word_codes: np.ndarray
    word_names: np.ndarray
    positions: np.ndarray
    theme_of_token: np.ndarray
    theme_names: np.ndarray

    def of_theme(self, theme: str) -> np.ndarray:
        """Boolean mask of the tokens whose unit is coded ``theme``."""
        return self.theme_of_token == int(np.flatnonzero(self.theme_names == theme)[0])


def theme_codes(tokens: pd.DataFrame, units: pd.DataFrame, theme_col: str) -> ThemeCodes:
    """The :class:`ThemeCodes` of ``tokens``, their units coded by ``units[theme_col]``."""
    per_unit = unit_themes(tokens, units, theme_col)
    unit_codes, unit_names = _factorize(tokens["unit_id"])
    theme_of_unit, theme_names = _factorize(
        per_unit.set_index("unit_id")["theme"].reindex(unit_names)
    )
    region_codes, region_names = _factorize(tokens["region_id"])
    word_codes, word_names = _factorize(tokens["token"])
    ids = np.array(sorted(region_names), dtype=object)
    return ThemeCodes(
        n_units=per_unit.groupby(["theme", "region_id"], sort=True).size(),
        ids=ids,
        region_slot=pd.Index(ids).get_indexer(region_names)[region_codes],
        word_codes=word_codes, word_names=word_names,
        positions=tokens["position"].to_numpy(),
        theme_of_token=theme_of_unit[unit_codes], theme_names=theme_names,
    )


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
    coded = theme_codes(tokens, units, theme_col)
    n_units, ids, region_slot = coded.n_units, coded.ids, coded.region_slot
    positions, word_codes, word_names = coded.positions, coded.word_codes, coded.word_names
    corpus = None
    if idf_scope == "corpus":
        corpus = tfidf_matrix(
            tokens, by="region_id", sublinear_tf=sublinear_tf, min_df=min_df, max_df=max_df
        )
    frames = []
    for theme in sorted(n_units.index.get_level_values("theme").unique()):
        counts = n_units.loc[theme].reindex(ids, fill_value=0).to_numpy()
        chosen = coded.of_theme(theme)
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
