"""A build variant: a researcher's own dictionary, stopwords and codebook.

``python -m analysis build --user-dict F --stopwords F --codebook F --out-dir D``
builds the same tables from the same raw plans with other rule files:

- ``--user-dict`` *extends* the shipped ``analysis/data/userdict.txt`` (the
  shipped file first, then each given file in order; a word keeps its first
  entry, see :func:`analysis.text.tokens.user_dict_entries`).
  ``--no-shipped-dict`` leaves the shipped one out (policy terms such as 双减
  are then split again, and a warning says so).
- ``--stopwords`` *extends* the shipped standard and policy stopword lists:
  the content tokens lose the given words too.
- ``--codebook`` *replaces* the codebook (a codebook is a whole scheme).
  The hand-coded theme validation and the figures use the shipped codebook's
  ids and labels, so they are made only when the variant has the same
  domains and themes with the same labels (only terms, weights or rules
  changed); otherwise the validation tables are empty and no figures are drawn.

Every file is checked before any work starts (:func:`check_variant`), so a
missing, unreadable or malformed file fails at once with a message naming the
flag and the path.  :func:`variant_info` records each file used -- shipped or
given -- with its SHA-256 for ``build_info.json`` and the warm-build stamps.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from analysis import config
from analysis.coding.themes import CODEBOOK_PATH, Codebook, CodebookError, load_codebook
from analysis.text.tokens import (
    DEFAULT_STOPWORD_LISTS,
    STOPWORD_PATHS,
    USER_DICT_PATH,
    read_user_dict,
    read_word_list,
)


class VariantError(ValueError):
    """A variant's option or file is unusable; the message names the flag and the path."""


@dataclass(frozen=True)
class Variant:
    """The rule files one build uses besides (or instead of) the shipped ones.

    Attributes
    ----------
    user_dicts : tuple of Path
        Dictionaries read after the shipped one (``--user-dict``).
    shipped_dict : bool
        Whether the shipped ``analysis/data/userdict.txt`` comes first
        (``--no-shipped-dict`` makes it False).
    stopwords : tuple of Path
        Word lists removed from the content tokens on top of the shipped
        standard and policy lists (``--stopwords``).
    codebook : Path or None
        The codebook used instead of ``analysis/data/codebook.yml`` (``--codebook``).
    """

    user_dicts: tuple[Path, ...] = ()
    shipped_dict: bool = True
    stopwords: tuple[Path, ...] = ()
    codebook: Path | None = None

    @property
    def is_default(self) -> bool:
        """True for the shipped rule files only (the committed tables' build)."""
        return not self.user_dicts and self.shipped_dict and not self.stopwords \
            and self.codebook is None

    @property
    def dictionary_paths(self) -> tuple[Path, ...]:
        """The dictionaries segmentation reads, in order (shipped first unless left out)."""
        return ((USER_DICT_PATH,) if self.shipped_dict else ()) + self.user_dicts


#: The shipped rule files only: the build of the committed tables.
SHIPPED: Variant = Variant()


def variant_from_options(
    *,
    user_dicts: Sequence[Path | str] = (),
    shipped_dict: bool = True,
    stopwords: Sequence[Path | str] = (),
    codebook: Path | str | None = None,
) -> Variant:
    """A :class:`Variant` from build options (paths as given; nothing is read yet).

    Raises
    ------
    VariantError
        When ``shipped_dict`` is False and no ``user_dicts`` are given (there
        would be no dictionary at all), or a path option is a single string
        where a list is expected.
    """
    for name, value in (("user_dicts", user_dicts), ("stopwords", stopwords)):
        if isinstance(value, str | Path):
            raise VariantError(f"{name} must be a list of paths, e.g. [Path('mine.txt')]; "
                               f"got {value!r}")
    if not isinstance(shipped_dict, bool):
        raise VariantError(f"shipped_dict must be True or False; got {shipped_dict!r}")
    if not shipped_dict and not user_dicts:
        raise VariantError("--no-shipped-dict needs at least one --user-dict")
    return Variant(
        user_dicts=tuple(Path(p) for p in user_dicts),
        shipped_dict=shipped_dict,
        stopwords=tuple(Path(p) for p in stopwords),
        codebook=None if codebook is None else Path(codebook),
    )


def _readable(flag: str, path: Path) -> str:
    """The file's text, or a VariantError naming the flag and the path."""
    if not path.is_file():
        raise VariantError(f"{flag} {path}: no such file")
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise VariantError(f"{flag} {path}: cannot be read ({error.strerror})") from error
    except UnicodeDecodeError as error:
        raise VariantError(f"{flag} {path}: not UTF-8 text ({error.reason})") from error


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def check_variant(
    variant: Variant, *, raw_dir: Path, out_dir: Path, figures_dir: Path | None = None
) -> Codebook | None:
    """Check every file and the output folder of a variant before any work starts.

    Each dictionary must parse (``word [freq] [tag]`` lines), each stopword
    list must be UTF-8 text, and the codebook must pass
    :func:`analysis.coding.themes.load_codebook`.  A variant must write to its
    own folder: not ``data/processed/`` (the committed tables) and not inside
    the raw-data folder; its figures (``figures_dir``, None for none) not
    into the committed ``figures/``.

    Returns
    -------
    Codebook or None
        The variant's codebook, loaded once here; None for the shipped one.

    Raises
    ------
    VariantError
        Naming the flag (``--user-dict``, ``--stopwords``, ``--codebook``,
        ``--out-dir``, ``--figures-dir``) and the path.
    """
    if _inside(out_dir, raw_dir):
        raise VariantError(f"--out-dir {out_dir}: is the raw-data folder {raw_dir} or inside it; "
                           "choose a folder of its own")
    if not variant.is_default and _inside(out_dir, config.PROCESSED_DIR):
        raise VariantError(f"--out-dir {out_dir}: a build with --user-dict, --stopwords, "
                           "--codebook or --no-shipped-dict writes to a folder of its own, not "
                           f"the committed tables' {config.PROCESSED_DIR}")
    if not variant.is_default and figures_dir is not None \
            and _inside(Path(figures_dir), config.FIGURES_DIR):
        raise VariantError(f"--figures-dir {figures_dir}: a variant's figures go to a folder of "
                           f"their own, not the committed {config.FIGURES_DIR}")
    for path in variant.user_dicts:
        _readable("--user-dict", path)
        try:
            read_user_dict(path)
        except ValueError as error:
            raise VariantError(f"--user-dict {error}") from error
    for path in variant.stopwords:
        _readable("--stopwords", path)
    if variant.codebook is None:
        return None
    _readable("--codebook", variant.codebook)
    try:
        return load_codebook(variant.codebook)
    except CodebookError as error:
        raise VariantError(f"--codebook {error}") from error


def extra_stopwords(variant: Variant) -> frozenset[str]:
    """The words of the variant's own stopword lists (empty for the shipped build)."""
    words: set[str] = set()
    for path in variant.stopwords:
        words |= read_word_list(path)
    return frozenset(words)


def same_scheme_as_shipped(codebook: Codebook | None) -> bool:
    """Whether a codebook has the shipped domains and themes, with the same labels.

    Then the hand coding (made against the shipped scheme) can validate it and
    the figures (labelled from the shipped codebook) name its themes rightly.
    None, the shipped codebook itself, is the same scheme.
    """
    if codebook is None:
        return True
    shipped = load_codebook()

    def scheme(book: Codebook) -> tuple[tuple, tuple]:
        return (tuple((d.id, d.label_zh, d.label_en) for d in book.domains),
                tuple((t.id, t.label_zh, t.label_en, t.domain) for t in book.themes))

    return scheme(codebook) == scheme(shipped)


def _shown(path: Path) -> str:
    """A path as build_info shows it: relative to the repository, else the file name only."""
    try:
        return Path(path).resolve().relative_to(config.ROOT).as_posix()
    except ValueError:
        return Path(path).name


def _file_record(path: Path) -> dict[str, str]:
    return {"path": _shown(path), "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest()}


def variant_files(variant: Variant) -> dict[str, Path]:
    """Every rule file the variant reads, by a stable name (option, position, file name).

    The names carry no absolute path, so the same files elsewhere give the
    same warm-build digest (:func:`analysis.stamps.inputs_digest`).
    """
    files = {f"user_dict/{i}/{p.name}": p for i, p in enumerate(variant.dictionary_paths)}
    files.update({f"stopwords/{i}/{p.name}": p for i, p in enumerate(_stopword_paths(variant))})
    files[f"codebook/{_codebook_path(variant).name}"] = _codebook_path(variant)
    return files


def _stopword_paths(variant: Variant) -> list[Path]:
    return [STOPWORD_PATHS[name] for name in DEFAULT_STOPWORD_LISTS] + list(variant.stopwords)


def _codebook_path(variant: Variant) -> Path:
    return CODEBOOK_PATH if variant.codebook is None else variant.codebook


def variant_info(variant: Variant) -> dict[str, object]:
    """The options of a build and each rule file it used, with SHA-256, for build_info.json.

    Returns
    -------
    dict
        ``user_dict``: the dictionaries in the order read (``path``, ``sha256``);
        ``shipped_dict``: whether the shipped one is among them;
        ``stopwords``: the shipped standard and policy lists, then the given
        ones (``path``, ``sha256``); ``stopwords_mode``: always ``"extend"``;
        ``codebook``: the codebook used (``path``, ``sha256``);
        ``codebook_shipped_scheme``: whether it has the shipped domains and
        themes (then validation and figures are made).  Paths are relative to
        the repository when inside it, else the file name only, so the file
        is byte-identical wherever the inputs sit.
    """
    codebook = None if variant.codebook is None else load_codebook(variant.codebook)
    return {
        "user_dict": [_file_record(p) for p in variant.dictionary_paths],
        "shipped_dict": variant.shipped_dict,
        "stopwords": [_file_record(p) for p in _stopword_paths(variant)],
        "stopwords_mode": "extend",
        "codebook": _file_record(_codebook_path(variant)),
        "codebook_shipped_scheme": same_scheme_as_shipped(codebook),
    }
