"""Inline marks: injected code points and watermarks taken out of one line."""

from analysis.corpus.inline import load_inline_rules, strip_inline_marks


def test_emoji_and_zero_width_characters_are_removed_wherever_they_stand():
    line = "推进集团化\u200b办学🎉，扩大优质资源覆盖面。👍"
    cleaned, marks = strip_inline_marks(line)
    assert cleaned == "推进集团化办学，扩大优质资源覆盖面。"
    assert [(m.text, m.reason) for m in marks] == [
        ("\u200b", "injected_chars"),
        ("🎉", "injected_chars"),
        ("👍", "injected_chars"),
    ]


def test_private_use_glyphs_are_removed():
    cleaned, marks = strip_inline_marks("加强\ue601教师队伍建设。")
    assert cleaned == "加强教师队伍建设。"
    assert marks[0].start == 2


def test_a_symbol_inside_a_word_is_removed_but_a_bullet_or_a_unit_sign_is_kept():
    assert strip_inline_marks("打造高素质教▲师队伍。")[0] == "打造高素质教师队伍。"
    assert strip_inline_marks("●加强学校体育工作。")[0] == "●加强学校体育工作。"
    assert strip_inline_marks("室温保持在26℃以下。")[0] == "室温保持在26℃以下。"


def test_offsets_cut_the_printed_line_also_in_traditional_script():
    line = "全面落實立德樹人根本任務（來源：某某範文網），促進學生全面發展。"
    cleaned, marks = strip_inline_marks(line)
    assert cleaned == "全面落實立德樹人根本任務，促進學生全面發展。"
    (mark,) = marks
    assert line[mark.start : mark.end] == mark.text == "（來源：某某範文網）"
    assert mark.reason == "inline_watermark"


def test_this_article_comes_from_is_removed_and_the_sentence_rejoined():
    cleaned, _ = strip_inline_marks("加强课堂教学管理，本文来自某某范文网提高教学质量。")
    assert cleaned == "加强课堂教学管理，提高教学质量。"


def test_web_addresses_only_go_on_pages_with_site_furniture():
    line = "统筹城乡教师配置。www.fanwen-example.com推动乡村学校发展。"
    cleaned = strip_inline_marks(line, site_furniture=True)[0]
    assert cleaned == "统筹城乡教师配置。推动乡村学校发展。"
    assert strip_inline_marks(line, site_furniture=False)[0] == line


def test_government_and_education_addresses_are_never_watermarks():
    line = "用好国家中小学智慧教育平台（www.zxx.edu.cn）和教育部网站www.moe.gov.cn资源。"
    assert strip_inline_marks(line, site_furniture=True)[0] == line


def test_every_removed_character_is_in_a_mark():
    line = "教★育质量（来源：某某文库）稳步提升🎉。"
    cleaned, marks = strip_inline_marks(line)
    assert len(cleaned) + sum(len(m.text) for m in marks) == len(line)


def test_rules_file_loads_with_watermark_ids():
    rules = load_inline_rules()
    assert {w[0] for w in rules.watermarks} >= {"bracketed_source", "bare_url"}


def test_decorative_bullets_at_a_line_start_go_but_plan_bullets_stay():
    assert strip_inline_marks("▶推进集团化办学。")[0] == "推进集团化办学。"
    assert strip_inline_marks("◆推进集团化办学。")[0] == "◆推进集团化办学。"


def test_a_paywall_note_inside_the_text_is_removed():
    cleaned, marks = strip_inline_marks("加强教师队伍建设（此处隐藏1280个字）。")
    assert cleaned == "加强教师队伍建设。"
    assert marks[0].reason == "inline_watermark"


def test_a_data_source_in_brackets_stays_on_a_page_without_site_furniture():
    line = "全县在校学生12.3万人（来源：县统计局）。"
    assert strip_inline_marks(line, site_furniture=False)[0] == line
    site = "全县在校学生12.3万人（来源：某某范文网）。"
    assert strip_inline_marks(site, site_furniture=False)[0] == "全县在校学生12.3万人。"


def test_a_betting_advert_in_brackets_is_removed_from_a_sentence_about_football():
    line = "全面开展校园足球活动【某某体育官网入口】，每周开展一次班级联赛。"
    cleaned = strip_inline_marks(line, site_furniture=False)[0]
    assert cleaned == "全面开展校园足球活动，每周开展一次班级联赛。"
