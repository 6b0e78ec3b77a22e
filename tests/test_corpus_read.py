from pathlib import Path

import pytest

from analysis.corpus.read import ReadError, decode_bytes, normalise_layout, read_text_file

SAMPLE = "桐庐县教育局2021年工作要点\n1.进一步加强党对教育工作的全面领导。推进“十四五”规划编制。\n"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gb18030", "gb18030"),
        ("gbk", "gb18030"),
        ("utf-16", "utf-16-le"),
        ("utf-16-le", "utf-16-le"),
        ("utf-16-be", "utf-16-be"),
    ],
)
def test_each_government_encoding_decodes_to_the_same_text(encoding, expected):
    decoded = decode_bytes(SAMPLE.encode(encoding), name="plan.txt")
    assert decoded.text == SAMPLE
    assert decoded.encoding == expected


def test_line_endings_and_space_like_characters_are_normalised_and_counted():
    text, n_newline, n_space = normalise_layout("第一行\r\n第二行\r第三行\u00a0与\u3000全角空格")
    assert text == "第一行\n第二行\n第三行 与 全角空格"
    assert (n_newline, n_space) == (2, 2)


def test_empty_file_is_refused_with_its_name(tmp_path: Path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"  \n\n")
    with pytest.raises(ReadError, match=r"empty\.txt: the file is empty"):
        read_text_file(path)


def test_binary_file_is_refused_with_its_name(tmp_path: Path):
    path = tmp_path / "picture.txt"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ReadError, match=r"picture\.txt: .*binary"):
        read_text_file(path)


def test_undecodable_file_is_refused_with_its_name(tmp_path: Path):
    path = tmp_path / "broken.txt"
    # 0xFF is not a valid lead byte in UTF-8 or GB18030.
    path.write_bytes(b"plan \xff\x80\xff " + "教育".encode("gb18030"))
    with pytest.raises(ReadError, match=r"broken\.txt: cannot be decoded"):
        read_text_file(path)


def test_utf8_with_a_damaged_byte_is_refused_not_read_as_gb18030(tmp_path: Path):
    path = tmp_path / "damaged.txt"
    good = ("全面贯彻党的教育方针，落实立德树人根本任务。" * 3).encode("utf-8")
    path.write_bytes(good[:30] + b"\xff" + good[30:])
    with pytest.raises(
        ReadError, match=r"damaged\.txt: looks like UTF-8 but is damaged .*offset 30"
    ):
        read_text_file(path)


def test_missing_and_oversized_files_are_refused(tmp_path: Path):
    with pytest.raises(ReadError, match=r"nothere\.txt: the file does not exist"):
        read_text_file(tmp_path / "nothere.txt")
    big = tmp_path / "big.txt"
    big.write_text(SAMPLE * 10, encoding="utf-8")
    with pytest.raises(ReadError, match=r"big\.txt: is .* bytes, more than the limit"):
        read_text_file(big, max_bytes=100)
