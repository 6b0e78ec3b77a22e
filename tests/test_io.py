import pandas as pd
import pytest

from analysis.io import EXPORT_FORMATS, export, read_table, write_table


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
