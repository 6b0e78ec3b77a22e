from analysis.corpus.normalise import normalise_text


def test_half_width_punctuation_next_to_chinese_becomes_full_width():
    result = normalise_text("总体要求是:深入学习,全面贯彻;是否?好!")
    assert result.text == "总体要求是：深入学习，全面贯彻；是否？好！"
    assert result.n_chars_changed == 5


def test_numbers_times_and_latin_terms_keep_their_ascii_punctuation():
    result = normalise_text("时间10:39，共1,000人，实施教育信息化2.0和1+X证书、STEM教育")
    assert "10:39" in result.text and "1,000" in result.text
    assert "2.0" in result.text and "1+X" in result.text and "STEM" in result.text


def test_brackets_around_chinese_become_full_width_pairs():
    assert normalise_text("(一)坚持一个根本").text == "（一）坚持一个根本"
    assert normalise_text("各县(市、区)教育局").text == "各县（市、区）教育局"
    assert normalise_text("f(x) = 1").text == "f(x) = 1"


def test_spinner_and_corner_quotes_become_curly_quotes():
    assert normalise_text("以“三要〞和〝两个行为〞为载体").text == "以“三要”和“两个行为”为载体"
    assert normalise_text("「双减」政策").text == "“双减”政策"
    assert normalise_text('"双减"政策').text == "“双减”政策"


def test_whitespace_between_chinese_is_removed_and_counted_between_latin_kept():
    result = normalise_text("  寻访红色脚印     ”、MS EEPO  有效教育 ")
    assert result.text == "寻访红色脚印”、MS EEPO有效教育"
    # leading 2, five before the quote, two before 有效, trailing 1; "MS EEPO" keeps its space
    assert result.n_whitespace_removed == 2 + 5 + 2 + 1


def test_full_width_digits_and_letters_become_ascii():
    assert normalise_text("２０２１年ＳＴＥＭ").text == "2021年STEM"


def test_index_map_points_each_output_character_at_its_source():
    source = "一、 工作目标 (一)坚持"
    result = normalise_text(source)
    for out_char, src in zip(result.text, result.source_index, strict=True):
        assert out_char == source[src] or (source[src], out_char) in {("(", "（"), (")", "）")}
