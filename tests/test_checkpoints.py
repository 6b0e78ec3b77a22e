"""Resumable builds: an interrupted build continues after its last finished step.

The unit tests use a checkpoint of hand-made tables; the build tests use the
Tonglu and Xinwu plans (the two-plan corpus of tests/test_build.py), with the
topic step made to fail once.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analysis import checkpoints, config
from analysis.checkpoints import (
    checkpoint_dir,
    load_intermediates,
    open_checkpoint,
    record_finished,
)
from tests.conftest import copy_first_plans


def _awkward() -> pd.DataFrame:
    # What the build's intermediate tables hold: a gap-filled index (a .loc slice),
    # a category, nullable integers with a gap, and strings.
    return pd.DataFrame(
        {"region_id": pd.Categorical(["b", "a", "b"], categories=["b", "a"]),
         "n": pd.array([1, None, 3], dtype="Int64"),
         "text": ["一", "二", ""]},
        index=pd.Index([7, 2, 9]),
    )


def test_the_checkpoint_sits_beside_the_output_folder(tmp_path):
    assert checkpoint_dir(tmp_path / "out") == tmp_path / ".out-checkpoint"


def test_a_new_checkpoint_has_no_finished_step(tmp_path):
    checkpoint = open_checkpoint(tmp_path / "out", inputs="abc")
    assert (checkpoint.finished, checkpoint.files) == ((), ())
    manifest = json.loads((checkpoint.path / "checkpoint.json").read_text(encoding="utf-8"))
    assert manifest == {"version": checkpoints.CHECKPOINT_VERSION, "inputs": "abc",
                        "finished": [], "files": {}}


def test_intermediate_tables_come_back_with_their_index_and_dtypes(tmp_path):
    checkpoint = open_checkpoint(tmp_path / "out", inputs="abc")
    record_finished(checkpoint, "step one", intermediates={"units": _awkward()})
    reopened = open_checkpoint(tmp_path / "out", inputs="abc")
    assert reopened.finished == ("step one",)
    loaded = load_intermediates(reopened)
    assert list(loaded) == ["units"]
    pd.testing.assert_frame_equal(loaded["units"], _awkward(), check_exact=True)


def test_a_finished_steps_table_files_are_recorded_with_their_size(tmp_path):
    checkpoint = open_checkpoint(tmp_path / "out", inputs="abc")
    (checkpoint.path / "regions.csv").write_bytes(b"region_id\nb\n")
    recorded = record_finished(checkpoint, "corpus", intermediates={})
    assert dict(recorded.files) == {"regions.csv": 12}


def test_an_intermediate_no_later_step_reads_is_deleted(tmp_path):
    checkpoint = open_checkpoint(tmp_path / "out", inputs="abc")
    first = record_finished(checkpoint, "one", intermediates={"a": _awkward(), "b": _awkward()})
    second = record_finished(first, "two", intermediates={"b": _awkward()})
    assert second.intermediates() == ["b"]
    assert sorted(p.name for p in (checkpoint.path / "intermediate").iterdir()) == ["b.parquet"]
    assert open_checkpoint(tmp_path / "out", inputs="abc").finished == ("one", "two")


def test_an_intermediate_already_kept_is_not_written_again(tmp_path):
    checkpoint = open_checkpoint(tmp_path / "out", inputs="abc")
    first = record_finished(checkpoint, "one", intermediates={"a": _awkward()})
    path = checkpoint.path / "intermediate" / "a.parquet"
    before = path.stat().st_mtime_ns
    # Tables never change once made, so the same name means the same table.
    record_finished(first, "two", intermediates={"a": _awkward().iloc[:1]})
    assert path.stat().st_mtime_ns == before
    assert len(load_intermediates(open_checkpoint(tmp_path / "out", inputs="abc"))["a"]) == 3


@pytest.mark.parametrize("change", ["other inputs", "no resume", "file resized",
                                    "file missing", "damaged manifest", "old version"])
def test_a_checkpoint_that_cannot_be_trusted_is_discarded(tmp_path, change):
    out = tmp_path / "out"
    checkpoint = open_checkpoint(out, inputs="abc")
    (checkpoint.path / "regions.csv").write_bytes(b"region_id\nb\n")
    record_finished(checkpoint, "corpus", intermediates={"units": _awkward()})
    inputs, resume = "abc", True
    manifest = checkpoint.path / "checkpoint.json"
    if change == "other inputs":
        inputs = "abd"
    elif change == "no resume":
        resume = False
    elif change == "file resized":
        (checkpoint.path / "regions.csv").write_bytes(b"region_id\nbb\n")
    elif change == "file missing":
        (checkpoint.path / "intermediate" / "units.parquet").unlink()
    elif change == "damaged manifest":
        manifest.write_text(manifest.read_text(encoding="utf-8")[:-5], encoding="utf-8")
    else:
        payload = json.loads(manifest.read_text(encoding="utf-8"))
        payload["version"] = checkpoints.CHECKPOINT_VERSION - 1
        manifest.write_text(json.dumps(payload), encoding="utf-8")
    reopened = open_checkpoint(out, inputs=inputs, resume=resume)
    assert (reopened.finished, reopened.files, reopened.inputs) == ((), (), inputs)
    assert [p.name for p in reopened.path.iterdir()] == ["checkpoint.json"]


def test_discard_removes_the_folder(tmp_path):
    checkpoint = open_checkpoint(tmp_path / "out", inputs="abc")
    checkpoints.discard(checkpoint)
    assert not checkpoint.path.exists()


# --- the build: an interrupted build resumes and writes the same bytes ------------------


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def two_plans(tmp_path_factory) -> tuple[Path, Path]:
    """The Tonglu and Xinwu plans, and their tables from one uninterrupted build."""
    from analysis.build import build

    root = tmp_path_factory.mktemp("two_plans")
    raw = copy_first_plans(root / "raw")
    reference = root / "reference"
    build(raw_dir=raw, out_dir=reference, figures_dir=None, verbose=False)
    return raw, reference


STEP_FUNCTIONS = ("themes_step", "policy_step", "tokens_step", "keywords_step",
                  "similarity_step", "alignment_step", "topics_step", "reuse_step")


@pytest.fixture()
def counted(monkeypatch, tmp_path):
    """Count the calls of the loader and of every step function of the build."""
    from analysis import build as build_module
    from analysis import steps

    monkeypatch.setattr(config, "CACHE_DIR", tmp_path / "cache")
    calls = dict.fromkeys(("load_corpus", *STEP_FUNCTIONS), 0)
    fail = set()

    def counting(name):
        # The loader is the build's; the step functions are looked up in analysis.steps.
        module = build_module if name == "load_corpus" else steps
        original = getattr(module, name)

        def run(*args, **kwargs):
            calls[name] += 1
            if name in fail:
                raise RuntimeError(f"{name} failed")
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, run)

    for name in calls:
        counting(name)
    return calls, fail


def test_an_interrupted_build_resumes_after_its_last_finished_step(
    two_plans, counted, tmp_path, capsys
):
    from analysis.build import build

    raw, reference = two_plans
    calls, fail = counted
    out = tmp_path / "processed"
    fail.add("topics_step")
    with pytest.raises(RuntimeError, match="topics_step failed"):
        build(raw_dir=raw, out_dir=out, figures_dir=None, verbose=False)
    assert not out.exists()  # nothing moved into place yet
    assert calls == {"load_corpus": 1, "themes_step": 1, "policy_step": 1, "tokens_step": 1,
                     "keywords_step": 1, "similarity_step": 1, "alignment_step": 1,
                     "topics_step": 1, "reuse_step": 0}

    fail.clear()
    capsys.readouterr()
    # Talking, with bars: none of it may reach a file (compared with a quiet build below).
    build(raw_dir=raw, out_dir=out, figures_dir=None, verbose=True, progress=True)
    err = capsys.readouterr().err
    assert "[4/9] tokens: kept from the interrupted build" in err
    assert "[8/9] topics: done in" in err and "[9/9] text reuse: done in" in err
    # The loader and the six finished steps ran once (first run); topics and reuse once now.
    assert calls == {"load_corpus": 1, "themes_step": 1, "policy_step": 1, "tokens_step": 1,
                     "keywords_step": 1, "similarity_step": 1, "alignment_step": 1,
                     "topics_step": 2, "reuse_step": 1}
    assert _files(out) == _files(reference)
    assert not checkpoint_dir(out).exists()  # a finished build leaves no checkpoint


def test_a_build_without_resume_runs_every_step_again(two_plans, counted, tmp_path):
    from analysis.build import build

    raw, reference = two_plans
    calls, fail = counted
    out = tmp_path / "processed"
    fail.add("similarity_step")
    with pytest.raises(RuntimeError, match="similarity_step failed"):
        build(raw_dir=raw, out_dir=out, figures_dir=None, verbose=False)
    fail.clear()
    build(raw_dir=raw, out_dir=out, figures_dir=None, verbose=False, resume=False)
    assert calls == {"load_corpus": 2, "themes_step": 2, "policy_step": 2, "tokens_step": 2,
                     "keywords_step": 2, "similarity_step": 2, "alignment_step": 1,
                     "topics_step": 1, "reuse_step": 1}
    assert _files(out) == _files(reference)


def test_a_changed_plan_discards_the_checkpoint(two_plans, counted, tmp_path):
    from analysis.build import build

    raw, _ = two_plans
    calls, fail = counted
    copy = tmp_path / "raw"
    copy.mkdir()
    for path in raw.iterdir():
        copy.joinpath(path.name).write_bytes(path.read_bytes())
    out = tmp_path / "processed"
    fail.add("tokens_step")
    with pytest.raises(RuntimeError, match="tokens_step failed"):
        build(raw_dir=copy, out_dir=out, figures_dir=None, verbose=False)
    plan = sorted(p for p in copy.iterdir() if p.name != "manifest.csv")[0]
    plan.write_bytes(plan.read_bytes() + b"\n")
    fail.clear()
    build(raw_dir=copy, out_dir=out, figures_dir=None, verbose=False)
    assert (calls["load_corpus"], calls["themes_step"], calls["tokens_step"]) == (2, 2, 2)


def test_the_build_command_has_resume_and_progress_flags():
    from analysis.__main__ import _parser

    parse = _parser().parse_args
    assert (parse(["build"]).no_resume, parse(["build"]).progress) == (False, None)
    assert parse(["build", "--no-resume"]).no_resume is True
    assert parse(["build", "--progress"]).progress is True
    assert parse(["build", "--no-progress"]).progress is False


def test_the_build_command_passes_resume_and_progress(monkeypatch):
    from analysis import build as build_module
    from analysis.__main__ import main

    calls = []
    monkeypatch.setattr(build_module, "build", lambda **options: calls.append(options))
    assert main(["build", "--quiet"]) == 0
    assert main(["build", "--no-resume", "--progress"]) == 0
    assert [(c["resume"], c["progress"]) for c in calls] == [(True, None), (False, True)]
