"""Up-to-date checks: a step is skipped only when inputs and outputs are exactly as recorded."""

import hashlib
import json

from analysis import stamps


def _digest(tmp_path, text="a", values=None):
    source = tmp_path / "input.txt"
    source.write_text(text, encoding="utf-8")
    return stamps.inputs_digest(files={"input.txt": source}, values=values or {"v": 1})


def test_file_sha256_matches_hashlib_on_a_file_larger_than_one_chunk(tmp_path):
    path = tmp_path / "big.bin"
    data = bytes(range(256)) * 9000  # > 1 MiB, so more than one read
    path.write_bytes(data)
    assert stamps.file_sha256(path) == hashlib.sha256(data).hexdigest()


def test_inputs_digest_changes_with_content_and_values_not_with_location(tmp_path):
    first = _digest(tmp_path)
    assert _digest(tmp_path) == first
    assert _digest(tmp_path, text="b") != first
    assert _digest(tmp_path, values={"v": 2}) != first
    elsewhere = tmp_path / "clone"
    elsewhere.mkdir()
    assert _digest(elsewhere) == first  # names, not absolute paths, are hashed


def test_tree_files_are_sorted_and_leave_out_bytecode(tmp_path):
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    (tmp_path / "pkg" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"x")
    (tmp_path / "pkg" / "b.py").write_text("", encoding="utf-8")
    (tmp_path / "pkg" / "a.yml").write_text("", encoding="utf-8")
    (tmp_path / "pkg" / "c.pyc").write_bytes(b"x")
    names = [p.relative_to(tmp_path).as_posix() for p in stamps.tree_files(tmp_path)]
    assert names == ["pkg/a.yml", "pkg/b.py"]


def test_a_recorded_step_is_current_until_an_input_or_output_changes(tmp_path):
    stamp = stamps.stamp_path(tmp_path / "out", cache_dir=tmp_path / "cache")
    output = tmp_path / "out.csv"
    output.write_text("x", encoding="utf-8")
    assert stamps.current_outputs(stamp, "tables", "digest-1") is None  # never recorded
    stamps.record_step(stamp, "tables", "digest-1", [output])
    assert stamps.current_outputs(stamp, "tables", "digest-1") == [output.resolve()]
    assert stamps.current_outputs(stamp, "tables", "digest-2") is None  # inputs changed
    assert stamps.current_outputs(stamp, "figures", "digest-1") is None  # another step
    output.write_text("y", encoding="utf-8")
    assert stamps.current_outputs(stamp, "tables", "digest-1") is None  # output edited
    stamps.record_step(stamp, "tables", "digest-1", [output])
    output.unlink()
    assert stamps.current_outputs(stamp, "tables", "digest-1") is None  # output deleted


def test_recording_one_step_keeps_the_others(tmp_path):
    stamp = tmp_path / "stamp.json"
    output = tmp_path / "out.csv"
    output.write_text("x", encoding="utf-8")
    stamps.record_step(stamp, "tables", "t", [output])
    stamps.record_step(stamp, "figures", "f", [output])
    assert stamps.current_outputs(stamp, "tables", "t") is not None
    assert stamps.current_outputs(stamp, "figures", "f") is not None


def test_a_damaged_or_old_stamp_means_not_current(tmp_path):
    stamp = tmp_path / "stamp.json"
    stamp.write_text("{not json", encoding="utf-8")
    assert stamps.current_outputs(stamp, "tables", "t") is None
    stamp.write_text(json.dumps({"version": -1, "steps": {"tables": {"inputs": "t"}}}),
                     encoding="utf-8")
    assert stamps.current_outputs(stamp, "tables", "t") is None


def test_stamps_of_different_output_directories_differ(tmp_path):
    cache = tmp_path / "cache"
    one = stamps.stamp_path(tmp_path / "a", cache_dir=cache)
    assert one != stamps.stamp_path(tmp_path / "b", cache_dir=cache)
    assert one.parent == cache / "build"


def test_recorded_hashes_give_the_same_digest_as_reading_the_files(tmp_path):
    stamp = tmp_path / "stamp.json"
    output = tmp_path / "table.csv"
    output.write_text("x", encoding="utf-8")
    assert stamps.recorded_outputs(stamp, "tables") == {}
    stamps.record_step(stamp, "tables", "t", [output])
    recorded = stamps.recorded_outputs(stamp, "tables")
    assert recorded == {output.resolve(): stamps.file_sha256(output)}
    read = stamps.inputs_digest(files={"table.csv": output}, values={})
    sha = recorded[output.resolve()]
    known = stamps.inputs_digest(files={}, values={}, hashed={"table.csv": sha})
    assert known == read
