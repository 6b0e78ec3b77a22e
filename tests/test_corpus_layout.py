"""Layout repair on small invented bodies: page and chunk markers, hard wraps."""

from collections import Counter

import pytest

from analysis.corpus.layout import (
    LAYOUT_REASONS,
    is_oneline_body,
    load_layout_rules,
    repair_layout,
)

IND = "\u3000\u3000"  # the two ideographic spaces that open a paragraph in PDF text


def _lines(text):
    return [(i + 1, line) for i, line in enumerate(text.split("\n"))]


def _wrap(paragraph, width):
    """Break an indented paragraph every ``width`` printed characters, as a PDF copy does."""
    text = IND + paragraph
    return [text[i : i + width] for i in range(0, len(text), width)]


def _nonspace(text):
    return Counter(ch for ch in text if not ch.isspace())


def _assert_nothing_lost(lines, result):
    read = Counter()
    for _, text in lines:
        read += _nonspace(text)
    kept = Counter()
    for _, text in result.lines:
        kept += _nonspace(text)
    for removed in result.removed:
        kept += _nonspace(removed.text)
    assert kept == read


@pytest.mark.parametrize(
    "marker",
    ["— 3 —", "- 3 -", "第3页", "第 3 页 共 8 页", ".doc_第2页", "某某计划.doc_第2页", "3/8"],
)
def test_page_number_lines_are_removed_and_the_words_they_split_rejoin(marker):
    lines = _lines(f"{IND}一、加强队伍建设\n{IND}全面落实教师培训制度，完成\n{marker}\n全员轮训。")
    result = repair_layout(lines)
    assert [(r.text, r.reason) for r in result.removed] == [(marker, "page_number")]
    assert [text.strip() for _, text in result.lines] == [
        "一、加强队伍建设",
        "全面落实教师培训制度，完成全员轮训。",
    ]
    _assert_nothing_lost(lines, result)


def test_a_page_marker_between_paragraphs_does_not_join_them():
    lines = _lines(f"{IND}完成全员轮训。\n— 4 —\n{IND}二、推进课程改革")
    result = repair_layout(lines)
    assert [text.strip() for _, text in result.lines] == ["完成全员轮训。", "二、推进课程改革"]


def test_traditional_page_marker_is_matched_on_its_simplified_form():
    result = repair_layout(_lines("全面落實教師培訓制度，完成\n第 3 頁\n全員輪訓。"))
    assert [r.reason for r in result.removed] == ["page_number"]
    assert result.lines == [(1, "全面落實教師培訓制度，完成全員輪訓。")]


def test_hard_wrapped_paragraphs_rejoin_but_indented_paragraphs_and_headings_stay_apart():
    paragraphs = [
        "2024年，全县教育工作要紧紧围绕立德树人根本任务，统筹推进各项改革。",
        "一、加强党的建设",
        "（一）深化理论武装。健全局党组理论学习中心组学习制度，每月开展一次集中学习。推动党建与业务深度融合。",
        "（二）推进依法治教。开展依法治校示范校创建活动，完善学校章程，落实法治副校长制度。",
        "二、提高教育质量",
        "实施课堂教学质量提升行动，组织全县优质课评比。加强教学常规检查，每学期全面视导一次。",
    ]
    physical = [piece for p in paragraphs for piece in _wrap(p, 20)]
    lines = _lines("\n".join(physical))
    result = repair_layout(lines)
    assert result.wrap_width == 20
    assert [text.strip() for _, text in result.lines] == paragraphs
    assert result.n_joins == len(physical) - len(paragraphs)
    # A joined paragraph keeps the line number of its first line.
    assert [n for n, _ in result.lines][:2] == [1, len(_wrap(paragraphs[0], 20)) + 1]
    assert result.removed == []
    _assert_nothing_lost(lines, result)


def test_nine_wrapped_sentences_come_back_as_nine_sentences():
    from analysis.corpus.structure import structure_units

    sentences = [
        "坚持把立德树人作为根本任务。",
        "全面加强学校思想政治工作，推进大中小学思政课一体化建设。",
        "实施学生体质健康提升行动。",
        "开齐开足体育课，保障学生每天校内外体育活动时间不少于两小时。",
        "推进美育浸润行动，每所学校组建至少两个学生艺术社团。",
        "加强劳动教育。",
        "建设县级劳动教育实践基地三个，编写劳动教育实践手册。",
        "完善学生心理健康监测和预警干预机制。",
        "每所中小学至少配备一名专职心理健康教育教师。",
    ]
    physical = _wrap("".join(sentences[:5]), 20) + _wrap("".join(sentences[5:]), 20)
    result = repair_layout(_lines("\n".join(physical)))
    units = structure_units(result.lines).units
    assert [u.text for u in units] == sentences


def test_a_body_of_whole_paragraphs_is_not_read_as_wrapped():
    # Headings of one length without final punctuation, paragraphs longer than them.
    text = "\n".join(
        [
            "一、加强党的建设",
            "健全局党组理论学习中心组学习制度，每月开展一次集中学习，推动党建与业务深度融合。",
            "二、提高教育质量",
            "实施课堂教学质量提升行动，组织全县优质课评比，加强教学常规检查和质量监测。",
            "三、建设教师队伍",
            "加强师德师风建设，开展最美教师评选活动，实施青年教师成长工程和名师培养计划。",
            "县教育局2024年工作要点",
            "为推动全县教育高质量发展，现提出2024年工作要点如下。",
        ]
    )
    result = repair_layout(_lines(text))
    assert result.wrap_width is None
    assert result.n_joins == 0
    assert len(result.lines) == 8


def test_a_chunk_marker_glued_to_a_continuation_is_removed_and_the_sentence_rejoins():
    text = "\n".join(
        [
            f"{IND}一、学前教育",
            f"{IND}持续扩大公办幼儿园资源，新增公办学位300个，全面提",
            "2、升保教质量。",
            f"{IND}二、义务教育",
            f"{IND}推进县域义务教育优质均衡发展，改善乡村学校办学条件，",
            "3、完成2所寄宿制学校改造。",
        ]
    )
    lines = _lines(text)
    result = repair_layout(lines)
    assert [(r.line_no, r.text, r.reason) for r in result.removed] == [
        (3, "2、", "chunk_marker"),
        (6, "3、", "chunk_marker"),
    ]
    bodies = [text.strip() for _, text in result.lines]
    assert "持续扩大公办幼儿园资源，新增公办学位300个，全面提升保教质量。" in bodies
    assert "推进县域义务教育优质均衡发展，改善乡村学校办学条件，完成2所寄宿制学校改造。" in bodies
    _assert_nothing_lost(lines, result)


def test_a_numbered_item_the_plan_expects_is_not_a_chunk_marker():
    # 2、 follows 1、 and comes before 3、: the plan's own numbering.
    text = "\n".join(
        [
            "1、扩充普惠资源，新建幼儿园2所，年内新增普惠性学位",
            "2、提高保教质量，开展幼儿园保育教育质量自评。",
            "3、加强教师培训。",
        ]
    )
    result = repair_layout(_lines(text))
    assert result.removed == []
    assert [t for _, t in result.lines][1].startswith("2、")


def test_a_chunk_marker_with_the_number_of_a_later_item_is_the_intruder():
    text = "\n".join(
        [
            "1、扩充普惠资源。",
            "新建幼儿园2所，年内新增普惠性学位360个，全面",
            "2、提高普惠水平。",
            "2、提高保教质量。",
        ]
    )
    result = repair_layout(_lines(text))
    assert [(r.line_no, r.reason) for r in result.removed] == [(3, "chunk_marker")]
    assert [t for _, t in result.lines] == [
        "1、扩充普惠资源。",
        "新建幼儿园2所，年内新增普惠性学位360个，全面提高普惠水平。",
        "2、提高保教质量。",
    ]


def test_a_chunk_marker_alone_on_its_line_is_removed():
    result = repair_layout(_lines("推进县域义务教育优质\n4、\n均衡发展。"))
    assert [(r.text, r.reason) for r in result.removed] == [("4、", "chunk_marker")]
    assert result.lines == [(1, "推进县域义务教育优质均衡发展。")]


def test_numbers_inside_text_are_never_markers():
    text = "全县新增学位1.5万个，第二、三季度完成\n2021年以来建成学校12所。"
    result = repair_layout(_lines(text))
    assert result.removed == []


def test_a_line_ending_on_a_comma_continues_on_the_next():
    result = repair_layout(_lines("落实法治副校长制度，\n实现中小学全覆盖。\n二、加强安全"))
    assert [t for _, t in result.lines] == [
        "落实法治副校长制度，实现中小学全覆盖。",
        "二、加强安全",
    ]


def test_table_rows_are_never_joined():
    text = "项目|责任单位|完成时限\n新建幼儿园2所|基建科|12月底\n加强管理。"
    result = repair_layout(_lines(text))
    assert len(result.lines) == 3


def test_a_one_line_body_is_recognised():
    long_line = "2024年全县教育工作要以质量为核心。一、工作目标。" + "推进教育优质均衡发展。" * 40
    assert is_oneline_body([(1, long_line)])
    assert not is_oneline_body([(1, "一、工作目标"), (2, "推进教育优质均衡发展。")])
    assert repair_layout([(3, long_line)]).oneline


def test_reasons_are_documented_and_rules_load():
    rules = load_layout_rules()
    assert rules.page_markers and rules.chunk_marker.groupindex["num"]
    assert set(LAYOUT_REASONS) == {"page_number", "chunk_marker"}


def test_a_rules_file_without_a_key_names_it(tmp_path):
    path = tmp_path / "layout_rules.yml"
    path.write_text("page_markers: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing keys .*chunk_marker"):
        load_layout_rules(path)


def test_a_sentence_a_removed_chrome_line_interrupted_rejoins_but_a_heading_does_not():
    lines = [
        (1, "一、加强教学管理"),
        (3, "加强教学常规检查，每学期对学校教学管理进行一次全面"),
        (5, "视导。"),
    ]
    # Lines 2 and 4 were removed by chrome (a sharing site's tip, say).
    result = repair_layout(lines, removed_lines={2: "还剩2页未读，继续阅读", 4: "文档分享网"})
    assert result.lines == [
        (1, "一、加强教学管理"),
        (3, "加强教学常规检查，每学期对学校教学管理进行一次全面视导。"),
    ]
    # Without the removed line between them, a whole-paragraph body keeps them apart.
    assert len(repair_layout(lines).lines) == 3


def test_a_page_marker_chrome_already_removed_still_splits_a_paragraph():
    lines = [(1, "（2）为随班就读学生配备资源教师跟踪"), (3, "指导。")]
    result = repair_layout(lines, removed_lines={2: ".doc_第3页"})
    assert result.lines == [(1, "（2）为随班就读学生配备资源教师跟踪指导。")]
    assert result.removed == []  # chrome's ledger row, not a second one


def test_text_chrome_cut_out_of_a_wrapped_line_still_counts_in_its_width():
    paragraphs = [
        "推广学为中心的课堂教学模式，组织全县优质课评比活动。加强教学常规检查，每学期对学校教学管理进行一次全面视导。",
        "开展校园足球、篮球联赛，每所学校至少建成一支学生运动队。组织中小学生艺术展演活动，推动艺术教育普及。",
    ]
    physical = [piece for p in paragraphs for piece in _wrap(p, 20)]
    # Chrome cut a five-character watermark out of the front of line 3.
    lines = [(i + 1, text) for i, text in enumerate(physical)]
    lines[2] = (3, physical[2][5:])
    result = repair_layout(lines, removed_lines={3: physical[2][:5]})
    assert len(result.lines) == 2
    assert result.lines[0][1].strip().endswith("全面视导。")


def test_a_chunk_marker_numbered_1_is_removed_when_no_2_follows():
    text = "全县教育工作要紧紧围绕立德树人根本任务，统\n1、筹推进各项改革。\n加强队伍建设。"
    result = repair_layout(_lines(text))
    assert [(r.text, r.reason) for r in result.removed] == [("1、", "chunk_marker")]
    assert result.lines[0][1] == "全县教育工作要紧紧围绕立德树人根本任务，统筹推进各项改革。"


def test_an_item_1_after_an_open_line_is_kept_when_2_follows():
    text = "为抓好落实，现提出以下工作措施\n1、加强组织领导。\n2、强化督查考核。"
    result = repair_layout(_lines(text))
    assert result.removed == []
    # Nor is a single item 1 under a heading a chunk marker.
    result = repair_layout(_lines("一、加强党建\n1、深化理论武装。\n二、提升质量\n1、改革课程。"))
    assert result.removed == []


def test_a_sharing_site_preview_in_chunks_loses_every_chunk_marker():
    """The shape of a preview: chunk 1、 before the title, 2、 3、 glued mid-word, spaced lines."""
    from analysis.corpus.structure import structure_units

    text = "\n".join(
        [
            "1、 某区教育局2024年工作要点 2024年全区教育工作以质量为核心，统筹推进教育改革发展，"
            "努力办好人民满意的教育。 一、加强党建 "
            "(一)深化理论武装，落实主体责任 1.健全学习制度。每月集中学习一次。 2.推进支部",
            "2、建设，培育党建品牌学校10所。 (二)强化作风建设 1.开展作风专项整治。 二、提升质量 "
            "(一)推进课程改革 1.实施大单元教学。每学期开展主题教研2次，"
            "推广学为中心的课堂教学模式。 "
            "2.组织优质课评比，评出“",
            "3、优质课”20节。",
        ]
    )
    lines = _lines(text)
    result = repair_layout(lines)
    assert [(r.line_no, r.text) for r in result.removed] == [(1, "1、"), (2, "2、"), (3, "3、")]
    assert len(result.lines) == 1
    _assert_nothing_lost(lines, result)
    units = structure_units(result.lines, oneline=result.oneline).units
    titles = [
        (u.section_no, u.item_no, u.subitem_no, u.text) for u in units if u.unit_kind != "sentence"
    ]
    assert titles == [
        (1, None, None, "加强党建"),
        (1, 1, None, "深化理论武装，落实主体责任"),
        (1, 1, 1, "健全学习制度。"),
        (1, 1, 2, "推进支部建设，培育党建品牌学校10所。"),
        (1, 2, None, "强化作风建设"),
        (1, 2, 1, "开展作风专项整治。"),
        (2, None, None, "提升质量"),
        (2, 1, None, "推进课程改革"),
        (2, 1, 1, "实施大单元教学。"),
        (2, 1, 2, "组织优质课评比，评出“优质课”20节。"),
    ]


def _wrap_printed(paragraph, width):
    """Break an indented paragraph by printed width (a wide character is 2), as a PDF does."""
    from unicodedata import east_asian_width

    lines, line, used = [], IND, 4
    for ch in paragraph:
        w = 2 if east_asian_width(ch) in "WFA" else 1
        if used + w > width:
            lines.append(line)
            line, used = "", 0
        line += ch
        used += w
    return lines + [line]


def test_lines_broken_by_printed_width_rejoin_though_digits_make_them_longer():
    paragraphs = [
        "2024年全县新增公办学位3600个，完成12所学校校舍改造，义务教育巩固率保持在99.5%以上。",
        "一、加强教师队伍建设",
        "招聘新教师150名，交流轮岗教师168名，其中骨干教师占交流总数的20%以上，年内完成全员培训。",
    ]
    physical = [piece for p in paragraphs for piece in _wrap_printed(p, 40)]
    # Widths differ in characters (digits are narrow) but not in print.
    assert len({len(p) for p in physical if len(p) > 15}) > 1
    result = repair_layout(_lines("\n".join(physical)))
    assert [t.strip() for _, t in result.lines] == paragraphs


def test_a_traditional_hard_wrapped_body_rejoins_the_same_way():
    paragraphs = [
        "全面落實教師培訓制度，每年完成全員輪訓一次，建立新老教師結對幫帶制度。",
        "二、推進課程改革",
        "實施課堂教學質量提升行動，組織全縣優質課評比，加強教學常規檢查。",
    ]
    physical = [piece for p in paragraphs for piece in _wrap(p, 16)]
    physical.insert(2, "第 2 頁")
    result = repair_layout(_lines("\n".join(physical)))
    assert [t.strip() for _, t in result.lines] == paragraphs
    assert [r.reason for r in result.removed] == ["page_number"]


def test_without_indents_a_sentence_ending_at_the_margin_does_not_swallow_the_next_line():
    lines = [
        "全县教育系统要坚持以人民为中心发展教育，",
        "努力办好人民满意的教育，完成年度目标。",
        "2024年工作打算",
        "推进县域义务教育优质均衡发展，改善乡村",
        "学校办学条件。",
    ]
    result = repair_layout(_lines("\n".join(lines)))
    assert result.wrap_width == 20
    assert [t for _, t in result.lines] == [
        "全县教育系统要坚持以人民为中心发展教育，努力办好人民满意的教育，完成年度目标。",
        "2024年工作打算",
        "推进县域义务教育优质均衡发展，改善乡村学校办学条件。",
    ]


def test_table_rows_in_a_hard_wrapped_body_stay_rows():
    paragraph = "推进县域义务教育优质均衡发展，重点改善乡村学校办学条件，完成寄宿制学校改造。"
    rows = ["序号\t项目\t责任单位\t完成时限", "1\t新建公办幼儿园2所\t基建科\t2024年12月"]
    physical = _wrap(paragraph, 16) + rows + _wrap(paragraph, 16)
    result = repair_layout(_lines("\n".join(physical)))
    assert result.wrap_width == 16
    assert [t.strip() for _, t in result.lines] == [paragraph, *rows, paragraph]


def test_a_bare_number_on_its_own_line_is_kept():
    # Table cells of PDF text, one a line: not chunk markers.
    result = repair_layout(_lines("在校生人数\n93\n102\n高中阶段毛入学率持续提高。"))
    assert result.removed == []
    assert "93" in [t for _, t in result.lines]
