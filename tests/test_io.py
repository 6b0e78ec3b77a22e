import pandas as pd
import pytest

from analysis.io import read_table, write_table


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
