import urllib.parse

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from analysis import schema
from analysis.io import (
    EXPORT_FORMATS,
    export,
    merge_table_notes,
    nullable_ints,
    read_table,
    split_note_columns,
    write_table,
)


def test_tables_are_written_as_csv_with_bom_and_parquet_in_schema_order(tmp_path):
    table = pd.DataFrame({"b": [1, 2], "a": ["桐庐", "鲤城"]})
    csv, parquet = write_table(table, "demo", tmp_path, columns=["a", "b"])
    assert csv.read_bytes().startswith(b"\xef\xbb\xbfa,b\n")
    assert read_table("demo", tmp_path).columns.tolist() == ["a", "b"]


def test_writing_twice_is_byte_identical(tmp_path):
    table = pd.DataFrame({"a": ["桐庐", "鲤城"], "b": [0.5, 1.25]})
    first = [p.read_bytes() for p in write_table(table, "x", tmp_path, columns=["a", "b"])]
    second = [p.read_bytes() for p in write_table(table, "x", tmp_path, columns=["a", "b"])]
    assert first == second


def test_a_table_that_does_not_match_its_schema_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"missing \['c'\], unexpected \['b'\]"):
        write_table(pd.DataFrame({"a": [1], "b": [2]}), "x", tmp_path, columns=["a", "c"])


def test_reading_a_table_that_was_never_built_says_how_to_build_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m analysis build"):
        read_table("units", tmp_path)


def test_nullable_ints_reads_text_and_floats_as_whole_numbers():
    table = pd.DataFrame({"year": ["2021", "", " 2022 ", None], "no": [1.0, None, 3.0, 12.0],
                          "name": ["a", "b", "c", "d"]})
    before = table.copy()
    out = nullable_ints(table, columns=["year", "no", "absent"])
    assert out["year"].dtype == "Int64" and out["no"].dtype == "Int64"
    assert out["year"].tolist()[::2] == [2021, 2022] and out["year"].isna().tolist()[1::2] == [
        True, True,
    ]
    assert out["no"].tolist()[2:] == [3, 12] and pd.isna(out["no"].iloc[1])
    assert (table["year"] == 2021).sum() == 0 and (out["year"] == 2021).sum() == 1
    pd.testing.assert_frame_equal(table, before)  # the input is not mutated


@pytest.mark.parametrize("value", ["2021.5", "twenty", 1.5, True])
def test_nullable_ints_refuses_what_is_not_a_whole_number(value):
    with pytest.raises(ValueError, match="column 'a' must hold whole numbers or be empty"):
        nullable_ints(pd.DataFrame({"a": [value]}), columns=["a"])


def test_nullable_int_columns_go_out_as_integers_and_come_back_as_int64(tmp_path):
    # The units table's numbers arrive as floats when a column has gaps.
    units = pd.DataFrame({c: pd.Series(["x", "y"]) for c in schema.UNITS_ALL})
    units["section_no"] = [1.0, None]
    units["item_no"] = [2.0, 12.0]
    units["subitem_no"] = [None, None]
    csv, parquet = write_table(units, "units", tmp_path, columns=schema.UNITS_ALL)
    header, first, second = csv.read_text(encoding="utf-8-sig").splitlines()
    cells = dict(zip(header.split(","), zip(first.split(","), second.split(","), strict=True),
                     strict=True))
    assert cells["section_no"] == ("1", "") and cells["item_no"] == ("2", "12")
    assert cells["subitem_no"] == ("", "")
    types = pq.read_schema(parquet)
    assert all(types.field(c).type == pa.int64() for c in ("section_no", "item_no", "subitem_no"))
    back = read_table("units", tmp_path)
    assert back[["section_no", "item_no", "subitem_no"]].dtypes.eq("Int64").all()
    assert back["item_no"].tolist() == [2, 12] and back["section_no"].isna().tolist() == [
        False, True,
    ]


def _derived() -> pd.DataFrame:
    return pd.DataFrame(
        {"region": ["桐庐县", "黄石市"], "share": [0.25, None], "n": [3, 4]}, index=[7, 9]
    )


def test_export_writes_each_format_readable_and_identical_twice(tmp_path):
    import openpyxl

    first = export(_derived(), "shares", out_dir=tmp_path / "a", formats=EXPORT_FORMATS)
    second = export(_derived(), "shares", out_dir=tmp_path / "b", formats=EXPORT_FORMATS)
    assert [p.name for p in first] == ["shares.csv", "shares.parquet", "shares.xlsx"]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert first[0].read_bytes().startswith(b"\xef\xbb\xbfregion,share,n\n")
    back = pd.read_parquet(first[1])
    assert back["region"].tolist() == ["桐庐县", "黄石市"] and back.index.tolist() == [0, 1]
    sheet = openpyxl.load_workbook(first[2]).active
    assert sheet.title == "data"
    assert [c.value for c in sheet[1]] == ["region", "share", "n"]
    assert [c.value for c in sheet[3]] == ["黄石市", None, 4]


def test_export_checks_its_arguments_first(tmp_path):
    with pytest.raises(ValueError, match="formats must be a non-empty tuple of csv, parquet, xlsx"):
        export(_derived(), "x", out_dir=tmp_path, formats=("xls",))
    with pytest.raises(ValueError, match="stem must be"):
        export(_derived(), "../x", out_dir=tmp_path)
    with pytest.raises(TypeError, match="table must be a pandas DataFrame"):
        export([1, 2], "x", out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_table_stacked_from_blocks_writes_the_same_bytes_as_one_made_whole(tmp_path):
    # A Dask build stacks coded blocks of plans; Arrow-backed text columns then hold
    # several chunks, which Parquet wrote as other bytes for the same values.
    from analysis.io import _write_parquet

    text = pd.StringDtype("pyarrow")
    whole = pd.DataFrame({"unit_id": pd.Series([f"u{i}" for i in range(6)], dtype=text),
                          "n": range(6)})
    blocks = pd.concat([whole.iloc[:2], whole.iloc[2:4], whole.iloc[4:]], ignore_index=True)
    _write_parquet(whole, tmp_path / "whole.parquet")
    _write_parquet(blocks, tmp_path / "blocks.parquet")
    assert (tmp_path / "whole.parquet").read_bytes() == (tmp_path / "blocks.parquet").read_bytes()

# ------------------------------------------------------------------ large-table layouts

def _by_region() -> pd.DataFrame:
    # Sorted by region first, as the partitioned tables are; "a/b c" needs quoting in a path.
    return pd.DataFrame({
        "region_id": ["a/b c", "a/b c", "k", "k", "k", "z"],
        "unit_id": ["u1", "u2", "u3", "u4", "u5", "u6"],
        "section_no": [1, None, 2, 3, None, 4],
        "score": [0.5, 0.25, 1.0, 0.75, 0.0, 0.125],
    })


def test_beyond_the_thresholds_a_table_is_parquet_only_and_one_file_per_region(tmp_path):
    table = _by_region()
    paths = write_table(table, "units", tmp_path, columns=list(table.columns),
                        csv_max_rows=5, partition_by="region_id", partition_min_rows=5)
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [
        "units/region_id=a%2Fb%20c/part-0.parquet", "units/region_id=k/part-0.parquet",
        "units/region_id=z/part-0.parquet"]
    assert not (tmp_path / "units.csv").exists() and not (tmp_path / "units.parquet").exists()
    # Each file holds its region's rows only, without the column the folder names.
    k = pq.read_table(tmp_path / "units" / "region_id=k" / "part-0.parquet").to_pandas()
    assert k["unit_id"].tolist() == ["u3", "u4", "u5"] and "region_id" not in k.columns
    back = read_table("units", tmp_path)
    expected = nullable_ints(table, columns=schema.NULLABLE_INT_COLUMNS["units"])
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)
    assert back["section_no"].dtype == "Int64"


def test_up_to_the_thresholds_the_layout_is_unchanged_and_csv_can_be_forced(tmp_path):
    table = _by_region()
    small = write_table(table, "units", tmp_path, columns=list(table.columns),
                        csv_max_rows=6, partition_by="region_id", partition_min_rows=6)
    assert [p.name for p in small] == ["units.csv", "units.parquet"]
    forced = write_table(table, "tokens", tmp_path / "f", columns=list(table.columns),
                         csv_max_rows=None, partition_by="region_id", partition_min_rows=0)
    assert forced[0].name == "tokens.csv" and len(forced) == 4
    assert pd.read_csv(forced[0], encoding="utf-8-sig")["unit_id"].tolist() == \
        table["unit_id"].tolist()
    with pytest.raises(ValueError, match="partition_by must be one of the columns"):
        write_table(table, "units", tmp_path, columns=list(table.columns), partition_by="x")
    with pytest.raises(ValueError, match="csv_max_rows must be a non-negative integer"):
        write_table(table, "units", tmp_path, columns=list(table.columns), csv_max_rows=-1)


def _files_by_filtering(table: pd.DataFrame, folder, *, column: str) -> dict[str, bytes]:
    # The layout written the plain way, independently: filter the whole table once per value.
    arrow = pa.Table.from_pandas(table, preserve_index=False).replace_schema_metadata(None)
    files = {}
    for value in sorted(set(table[column])):
        part = arrow.filter(pc.equal(arrow.column(column), value)).drop_columns([column])
        path = folder / f"{len(files)}.parquet"
        pq.write_table(part, path, compression="zstd", write_statistics=False)
        files[f"{column}={urllib.parse.quote(value, safe='')}"] = path.read_bytes()
    return files


@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4, 5], [5, 2, 0, 3, 1, 4], [4, 3, 2, 1, 0, 5]])
def test_each_region_file_is_that_regions_rows_in_table_order_whatever_the_order(tmp_path, order):
    table = nullable_ints(_by_region().iloc[order].reset_index(drop=True),
                          columns=schema.NULLABLE_INT_COLUMNS["units"])
    paths = write_table(table, "units", tmp_path / "out", columns=list(table.columns),
                        csv_max_rows=0, partition_by="region_id", partition_min_rows=0)
    (tmp_path / "plain").mkdir()
    expected = _files_by_filtering(table, tmp_path / "plain", column="region_id")
    assert {p.parent.name: p.read_bytes() for p in paths} == expected
    assert [p.parent.name for p in paths] == sorted(expected)  # values sorted
    # Read back: grouped by region (sorted), each region's rows in the order given.
    back = read_table("units", tmp_path / "out")
    assert back["unit_id"].tolist() == \
        table.sort_values("region_id", kind="stable")["unit_id"].tolist()


def test_a_region_named_by_a_non_ascii_id_sorts_by_code_point(tmp_path):
    # Arrow orders strings by UTF-8 bytes; Python's sorted() by code points: the same order.
    table = pd.DataFrame({"region_id": ["鲤城", "a", "Z", "桐庐", "é", "a"],
                          "unit_id": ["u1", "u2", "u3", "u4", "u5", "u6"],
                          "section_no": [1, 2, 3, 4, 5, 6], "score": [0.0] * 6})
    paths = write_table(table, "units", tmp_path, columns=list(table.columns), csv_max_rows=0,
                        partition_by="region_id", partition_min_rows=0)
    names = [urllib.parse.unquote(p.parent.name.split("=", 1)[1]) for p in paths]
    assert names == sorted(set(table["region_id"])) == ["Z", "a", "é", "桐庐", "鲤城"]
    assert read_table("units", tmp_path, filters=[("region_id", "=", "a")])["unit_id"].tolist() \
        == ["u2", "u6"]


@pytest.mark.parametrize("partition_min_rows", [0, 100])
def test_reading_part_of_a_table_equals_filtering_the_whole(tmp_path, partition_min_rows):
    table = _by_region()
    write_table(table, "units", tmp_path, columns=list(table.columns),
                partition_by="region_id", partition_min_rows=partition_min_rows)
    whole = read_table("units", tmp_path)
    part = read_table("units", tmp_path, columns=["unit_id", "score"],
                      filters=[("region_id", "in", ["k", "z"]), ("score", ">", 0.1)])
    keep = whole["region_id"].isin(["k", "z"]) & (whole["score"] > 0.1)
    pd.testing.assert_frame_equal(part, whole.loc[keep, ["unit_id", "score"]]
                                  .reset_index(drop=True))
    assert part["unit_id"].tolist() == ["u3", "u4", "u6"]
    with pytest.raises(ValueError, match=r"no column\(s\) \['nope'\]"):
        read_table("units", tmp_path, columns=["nope"])


def test_split_note_columns_moves_constant_sentences_once():
    table = pd.DataFrame({"region_a": ["a", "a"], "region_b": ["b", "c"], "cosine": [0.5, 0.1],
                          "weighting": ["tf-idf", "tf-idf"], "tokenisation": ["jieba"] * 2,
                          "n_terms": [3, 3]})
    kept, notes = split_note_columns(table, "similarity_regions")
    assert list(kept.columns) == schema.TABLES["similarity_regions"]
    assert notes.to_dict("records") == [
        {"table": "similarity_regions", "column": "weighting", "value": "tf-idf"},
        {"table": "similarity_regions", "column": "tokenisation", "value": "jieba"}]
    assert "weighting" in table.columns  # the input is left as it was
    with pytest.raises(ValueError, match="holds 2 values"):
        split_note_columns(table, "x", columns=["region_b"])


def test_merge_table_notes_keeps_every_steps_notes_and_the_later_of_a_repeat():
    first = pd.DataFrame({"table": ["similarity_regions", "citation_pairs"],
                          "column": ["", "weighting"], "value": ["not built", "old"]})
    second = pd.DataFrame({"table": ["passage_alignment", "citation_pairs"],
                           "column": ["", "weighting"], "value": ["neighbours only", "new"]})
    merged = merge_table_notes(first, second)
    assert merged.to_dict("records") == [
        {"table": "citation_pairs", "column": "weighting", "value": "new"},
        {"table": "passage_alignment", "column": "", "value": "neighbours only"},
        {"table": "similarity_regions", "column": "", "value": "not built"}]
    assert first["value"].tolist() == ["not built", "old"]  # inputs left as they were


def test_tables_in_turn_reads_each_way_once_and_lets_go_after_its_last_reader(
    tmp_path, monkeypatch
):
    import analysis.io

    table = pd.DataFrame({"region_id": ["a", "b"], "n": [1, 2]})
    write_table(table, "t", tmp_path, columns=["region_id", "n"])
    write_table(table, "u", tmp_path, columns=["region_id", "n"])
    original, reads = analysis.io.read_table, []

    def recording(stem, folder, *, columns=None, filters=None):
        reads.append((stem, None if columns is None else tuple(columns)))
        return original(stem, folder, columns=columns, filters=filters)

    monkeypatch.setattr(analysis.io, "read_table", recording)
    readers = [{"t": (None, None)}, {"t": (None, None), "u": (["n"], None)},
               {"u": (["n"], None)}, {"t": (None, None)}]
    held = []
    for tables in analysis.io.tables_in_turn(readers, tmp_path):
        held.append({stem: id(frame) for stem, frame in tables.items()})
    # t is wanted by readers 1, 2 and 4: read once; u (one column) once for readers 2 and 3.
    assert reads == [("t", None), ("u", ("n",))]
    assert held[0]["t"] == held[1]["t"] == held[3]["t"] and held[1]["u"] == held[2]["u"]
    # A table no later reader wants is let go as soon as the next reader starts.
    import gc
    import weakref
    turns = analysis.io.tables_in_turn([{"u": (["n"], None)}, {"t": (None, None)}], tmp_path)
    first = weakref.ref(next(turns)["u"])
    next(turns)
    gc.collect()
    assert first() is None


def test_every_integer_column_of_the_shipped_tables_reads_back_as_integers():
    # A column written as Parquet int64 with gaps must not come back as floats (63.0):
    # schema.NULLABLE_INT_COLUMNS has to name it.  text_reuse's start_b/end_b once did.
    from analysis import config
    floats = []
    for stem in sorted(schema.TABLES):
        path = config.PROCESSED_DIR / f"{stem}.parquet"
        if not path.is_file():
            continue
        table = read_table(stem, config.PROCESSED_DIR)
        floats += [(stem, field.name) for field in pq.read_schema(path)
                   if pa.types.is_integer(field.type)
                   and not pd.api.types.is_integer_dtype(table[field.name].dtype)]
    assert floats == []
