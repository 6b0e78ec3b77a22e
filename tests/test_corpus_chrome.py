"""Chrome stripping on invented pages shaped like real ones, and on the seeds."""

import chrome_fixtures as pages
import pytest

from analysis.corpus.chrome import iso_date, strip_chrome

GOV_PAGE = """首页 > 政务公开 > 通知公告
某某区教育局2023年工作计划
发布时间：2023-02-10  来源：区教育局  浏览次数：356
【字体：大 中 小】 打印本页 关闭窗口
一、总体目标
全面贯彻党的教育方针，落实立德树人根本任务。
二、重点工作
1.加强教师队伍建设。完善教师培训体系。
扫一扫在手机打开当前页
版权所有：某某区教育局  网站标识码：1234567890  浙ICP备12345678号
"""

NOTICE = """某市教育局关于印发《2024年全市教育工作要点》的通知
各县（市、区）教育局，局直属各单位：
现将《2024年全市教育工作要点》印发给你们，请认真贯彻执行。
附件：2024年全市教育工作要点
某市教育局
2024年1月8日
2024年全市教育工作要点
一、加强党的建设
1.深化理论武装。
"""

SHARING_SITE = """收藏
分享
某县教育局2019年工作要点.doc
ID:12345
页数:8页
格式:DOC
温馨提示:
1. 本文档由用户上传,版权归属用户,某某网负责整理代发布。如有争议请联系客服。
教育局 工作要点 2019
某县教育局2019年工作要点 2019年全县教育工作的总体要求是:以质量为核心。一、强化队伍
此文档下载收益归作者所有
下载文档
"""


def _removed_reasons(result):
    return {r.reason for r in result.removed}


def test_government_page_chrome_is_removed_and_its_facts_kept():
    result = strip_chrome(GOV_PAGE)
    kept = [text for _, text in result.lines]
    assert kept == [
        "一、总体目标",
        "全面贯彻党的教育方针，落实立德树人根本任务。",
        "二、重点工作",
        "1.加强教师队伍建设。完善教师培训体系。",
    ]
    assert result.metadata["title_zh"] == "某某区教育局2023年工作计划"
    assert result.metadata["page_date"] == "2023-02-10"
    assert result.metadata["page_views"] == "356"
    assert {"breadcrumb", "title", "page_interface", "site_footer"} <= _removed_reasons(result)


def test_notice_wrapper_is_removed_and_the_inner_title_becomes_the_title():
    result = strip_chrome(NOTICE)
    assert [text for _, text in result.lines] == ["一、加强党的建设", "1.深化理论武装。"]
    assert result.metadata["title_zh"] == "2024年全市教育工作要点"
    assert result.metadata["publisher"] == "某市教育局"
    assert result.metadata["issued_date"] == "2024-01-08"
    assert {
        "notice_salutation",
        "notice_body",
        "notice_attachment",
        "signature",
        "title_repeat",
    } <= (_removed_reasons(result))


def test_sharing_site_wrapper_and_a_title_run_into_the_body_are_removed():
    result = strip_chrome(SHARING_SITE)
    assert [text for _, text in result.lines] == [
        "2019年全县教育工作的总体要求是:以质量为核心。一、强化队伍"
    ]
    assert result.metadata["title_zh"] == "某县教育局2019年工作要点"
    assert result.metadata["source_doc_id"] == "12345"
    assert result.metadata["source_site"] == "某某网"
    assert {"docsite_filename", "docsite_tips", "docsite_keywords", "docsite_footer", "title"} <= (
        _removed_reasons(result)
    )


def test_prose_lines_that_resemble_chrome_are_kept_in_the_body():
    # A date line and an organisation name inside the body are prose, not a signature.
    text = "\n".join(
        ["某县2022年工作要点", "一、总体要求", "全县教育系统要坚持稳中求进。", "某县教育局",
         "二、主要任务", "加强队伍建设。"]
    )
    result = strip_chrome(text)
    assert "某县教育局" in [t for _, t in result.lines]


def test_every_input_line_is_either_kept_or_removed():
    for page in (GOV_PAGE, NOTICE, SHARING_SITE):
        result = strip_chrome(page)
        lines = [line.strip() for line in page.split("\n") if line.strip()]
        accounted = [t for _, t in result.lines] + [r.text for r in result.removed]
        assert "".join(sorted("".join(lines).replace(" ", ""))) == "".join(
            sorted("".join(accounted).replace(" ", ""))
        )


def test_iso_date_normalises_chinese_and_dotted_dates():
    assert iso_date("2022年3月29日") == "2022-03-29"
    assert iso_date("2021.9.4") == "2021-09-04"
    assert iso_date("不是日期") == "不是日期"


def test_no_chrome_words_remain_in_the_seed_units(corpus):
    chrome_words = [
        "下载文档",
        "温馨提示",
        "网站客服",
        "浏览量",
        "字体大小",
        "手机网站",
        "信息索引号",
        "此文档下载收益",
        "你可能关注",
        "印发给你们",
        "此件主动公开",
        "分享赚钱",
    ]
    text = "".join(corpus.units["text"])
    assert [w for w in chrome_words if w in text] == []


def test_seed_metadata_moved_out_of_the_chrome(corpus):
    regions = corpus.regions.set_index("region_id")
    assert regions.loc["xinwu", "index_no"] == "014032126/2021-00504"
    assert regions.loc["xinwu", "publisher"] == "新吴区教育局"
    assert regions.loc["licheng", "issued_date"] == "2022-03-29"
    assert regions.loc["licheng", "page_views"] == 1  # a whole number (Int64), not text
    assert regions.loc["licheng", "title_zh"] == "2022年鲤城教育工作要点"
    assert regions.loc["tonglu", "page_date"] == "2021-09-14"
    assert regions.loc["sichuan_county", "source_site"] == "汇文网"


# --- chrome by kinds (pages in tests/chrome_fixtures.py) ----------------------

ALL_PAGES = {
    name: getattr(pages, name)
    for name in (
        "GOV_PORTAL_STACKED",
        "GOV_PORTAL_LINKS",
        "WECHAT_NUMBERED",
        "LEGAL_DB_PLAIN",
        "REPRINT_JUMPS",
        "TRADITIONAL_FLAT",
        "DOCSHARE",
        "ESSAY",
        "WECHAT",
        "REPRINT",
        "LEGAL_DB",
        "NOTICE_NUMBERED",
        "SPAM_MIRROR",
    )
}


def _kept(result):
    return [text for _, text in result.lines]


@pytest.mark.parametrize("name", sorted(ALL_PAGES))
def test_every_character_of_a_page_is_kept_or_removed(name):
    page = ALL_PAGES[name] + GOV_PAGE + NOTICE
    result = strip_chrome(page)
    accounted = "".join(_kept(result)) + "".join(r.text for r in result.removed)
    assert sorted(page.replace(" ", "").replace("\n", "").replace("　", "")) == sorted(
        accounted.replace(" ", "").replace("　", "")
    )


@pytest.mark.parametrize("name", sorted(ALL_PAGES))
def test_no_page_keeps_its_title_as_a_body_line(name):
    result = strip_chrome(ALL_PAGES[name])
    title = result.metadata["title_zh"]
    assert title
    assert not any(title in text for text in _kept(result))


def test_metadata_keys_above_their_values_are_removed_and_filed():
    result = strip_chrome(pages.GOV_PORTAL_STACKED)
    assert _kept(result)[0] == "一、总体要求"
    assert len(_kept(result)) == 4
    meta = result.metadata
    assert (meta["page_date"], meta["page_views"], meta["publisher"]) == (
        "2024-03-01",
        "1024",
        "某某县教育局",
    )
    assert meta["source_site"] == "某某县人民政府门户网站"
    assert {"site_name", "breadcrumb", "metadata_header", "site_footer"} <= _removed_reasons(
        result
    )


def test_a_traditional_header_run_into_a_flattened_page_is_cut_off_the_line():
    result = strip_chrome(pages.TRADITIONAL_FLAT)
    (kept,) = _kept(result)
    assert kept.startswith("一、總體要求 全面貫徹")
    assert "發佈時間" not in kept and "瀏覽次數" not in kept and "教育工作要點" not in kept
    assert result.metadata["title_zh"] == "某某縣2024年教育工作要點"
    assert result.metadata["page_views"] == "1024"
    assert result.metadata["publisher"] == "某某縣教育局"
    assert result.metadata["page_date"] == "2024-03-01"


def test_document_sharing_prompts_captions_and_related_list_are_removed():
    result = strip_chrome(pages.DOCSHARE)
    assert _kept(result) == [
        "一、指导思想",
        "以立德树人为根本任务，全面提升办学质量。",
        "二、主要工作",
        "1.加强德育工作。开展主题教育活动。",
    ]
    assert result.metadata["source_site"] == "某某文档网"
    assert {"docsite_prompt", "docsite_page_caption", "docsite_uploader", "related_list"} <= (
        _removed_reasons(result)
    )


def test_essay_site_lead_in_part_header_and_watermarks_are_removed():
    result = strip_chrome(pages.ESSAY)
    assert _kept(result) == [
        "一、工作目标",
        "全面落实立德树人根本任务，促进学生全面发展。",
        "二、主要措施",
        "加强课堂教学管理，提高教学质量。",
    ]
    assert result.metadata["title_zh"] == "2024年学校教育工作要点"
    watermarks = [r.text for r in result.removed if r.reason == "inline_watermark"]
    assert watermarks == ["（来源：某某范文网）", "本文来自某某范文网"]


def test_wechat_furniture_emoji_and_injected_symbols_are_removed():
    result = strip_chrome(pages.WECHAT)
    assert _kept(result) == [
        "一、深化教育改革",
        "推进集团化办学，扩大优质教育资源覆盖面。",
        "二、加强师资建设",
        "实施名师培养工程，打造高素质教师队伍。",
    ]
    injected = {r.text: r.line_no for r in result.removed if r.reason == "injected_chars"}
    assert injected == {"🎉": 5, "▲": 7}
    assert result.metadata["publisher"] == "某某县教育局"


def test_reprint_lead_is_removed_and_the_reporter_filed_as_author():
    # Before the plan starts, the whole 本报讯 paragraph is the newspaper's lead.
    result = strip_chrome(pages.REPRINT)
    assert _kept(result)[0] == "一、办好人民满意的教育"
    assert result.metadata["author"] == "张三"
    assert {"reprint_edition", "reprint_lead"} <= _removed_reasons(result)
    assert not any("责任编辑" in text for text in _kept(result))


def test_a_lead_in_inside_the_body_is_cut_off_its_sentence():
    text = "某某县2024年教育工作要点\n一、总体要求\n本报讯（记者 张三）全县将推进教育均衡发展。\n"
    result = strip_chrome(text)
    assert _kept(result)[-1] == "全县将推进教育均衡发展。"
    assert [r.text for r in result.removed if r.reason == "reprint_lead"] == ["本报讯（记者 张三）"]


def test_legal_database_record_and_its_notice_become_metadata():
    result = strip_chrome(pages.LEGAL_DB)
    assert _kept(result) == ["一、加强党的建设", "深化党建引领，推进清廉学校建设。"]
    meta = result.metadata
    assert meta["title_zh"] == "2024年教育工作要点"
    assert meta["doc_no"] == "某教〔2024〕5号"
    assert meta["issuing_body"] == "某某县教育局"
    assert meta["page_date"] == "2024-03-01"


def test_notice_number_hanzi_date_and_distribution_lines_are_removed():
    result = strip_chrome(pages.NOTICE_NUMBERED)
    assert _kept(result) == ["一、推进教育优质均衡", "统筹城乡教育资源配置，缩小校际差距。"]
    assert result.metadata["doc_no"] == "某教〔2024〕12号"
    assert result.metadata["issuing_body"] == "某某市教育局"
    assert result.metadata["title_zh"] == "2024年全市教育工作要点"
    assert "notice_distribution" in _removed_reasons(result)


def test_a_betting_notice_is_removed_but_a_plan_sentence_about_football_is_kept():
    result = strip_chrome(pages.SPAM_MIRROR)
    assert "spam" in _removed_reasons(result)
    assert any("校园足球" in text for text in _kept(result))
    assert not any("投注" in text for text in _kept(result))


def test_a_title_fused_with_the_first_heading_without_a_space_is_split():
    result = strip_chrome("某某县2024年教育工作要点一、总体要求\n全面提升教育质量。\n")
    assert result.metadata["title_zh"] == "某某县2024年教育工作要点"
    assert _kept(result) == ["一、总体要求", "全面提升教育质量。"]


def test_an_unknown_column_name_before_the_title_is_removed_on_evidence():
    result = strip_chrome("教育动态\n某某县2024年教育工作要点\n总体要求\n全面提升教育质量。\n")
    reasons = {r.text: r.reason for r in result.removed}
    assert reasons["教育动态"].startswith("furniture_evidence:")
    # The unnumbered heading after the title is plan text: kept.
    assert _kept(result) == ["总体要求", "全面提升教育质量。"]


def test_body_lines_that_look_like_furniture_are_never_removed_inside_the_body():
    lines = ["某某县2024年教育工作要点", "一、总体要求", "全面提升教育质量。", "教育动态"]
    result = strip_chrome("\n".join(lines + ["二、主要任务", "加强队伍建设。"]))
    assert "教育动态" in _kept(result)


def test_a_plan_ending_in_a_table_keeps_its_rows():
    lines = ["某某县2024年教育工作要点", "一、主要指标", "各项指标如下。"]
    result = strip_chrome("\n".join(lines + ["学段|指标|2024年", "学前|毛入园率|95%"]))
    assert _kept(result)[-2:] == ["学段|指标|2024年", "学前|毛入园率|95%"]


def test_a_notice_title_broken_over_two_lines_is_joined():
    text = "\n".join(
        [
            "某某县教育局文件",
            "某教〔2024〕5号",
            "某某县教育局关于印发《某某县2024年",
            "德育工作要点》的通知",
            "各学校：",
            "现将《某某县2024年德育工作要点》印发给你们，请认真贯彻落实。",
            "某某县2024年德育工作要点",
            "一、总体要求",
            "全面加强学校德育工作。",
        ]
    )
    result = strip_chrome(text)
    assert result.metadata["title_zh"] == "某某县2024年德育工作要点"
    assert result.metadata["doc_no"] == "某教〔2024〕5号"
    assert _kept(result) == ["一、总体要求", "全面加强学校德育工作。"]


def test_a_title_with_the_site_name_after_it_gives_title_and_source_site():
    text = "某某县2024年教育工作要点_某某资讯网\n一、总体要求\n全面提升教育质量。\n"
    result = strip_chrome(text)
    assert result.metadata["title_zh"] == "某某县2024年教育工作要点"
    assert result.metadata["source_site"] == "某某资讯网"


def test_a_disclosure_table_read_cell_by_cell_is_filed():
    cells = ["索引号", "113309XX00/2024-00045", "发布机构", "某某区教育局"]
    cells += ["文号", "某教〔2024〕3号"]
    text = "\n".join(cells + ["某某区2024年重点工作任务", "一、目标要求", "全面提升质量。"])
    result = strip_chrome(text)
    meta = result.metadata
    assert (meta["index_no"], meta["publisher"], meta["issuing_body"], meta["doc_no"]) == (
        "113309XX00/2024-00045",
        "某某区教育局",
        "某某区教育局",
        "某教〔2024〕3号",
    )
    assert _kept(result) == ["一、目标要求", "全面提升质量。"]


def test_an_account_name_that_is_also_a_phrase_of_the_plan_stays_in_the_body():
    text = "\n".join(
        [
            "原创 某某县教育局 清溪教育 2024-02-27",
            "某某县2024年教育工作要点",
            "一、加强宣传",
            "讲好清溪教育故事。",
            "阅读原文",
        ]
    )
    result = strip_chrome(text)
    assert result.metadata["source_site"] == "清溪教育"
    assert result.metadata["author"] == "某某县教育局"
    assert "讲好清溪教育故事。" in _kept(result)


def test_a_web_address_in_a_plan_on_a_government_page_is_kept():
    line = "依托国家智慧教育平台（www.smartedu.cn）开展教师培训。"
    result = strip_chrome(f"某某县2024年教育工作要点\n一、数字化\n{line}\n")
    assert line in _kept(result)


def test_a_second_essay_on_a_template_page_is_not_part_of_the_plan():
    other = "篇二\n小班工作计划\n一、班级情况\n本班共有幼儿28名。\n相关推荐"
    result = strip_chrome(pages.ESSAY.replace("相关推荐", other))
    assert not any("幼儿" in text for text in _kept(result))
    assert "essay_other_part" in _removed_reasons(result)


def test_the_plans_own_title_after_a_page_headline_in_another_form_wins():
    text = "\n".join(
        [
            "某某县2024年教育工作要点",
            "发布时间：2024-03-01　来源：某某县教育局",
            "某某县教育局2024年教育工作要点",
            "一、总体要求",
            "全面提升教育质量。",
        ]
    )
    result = strip_chrome(text)
    assert result.metadata["title_zh"] == "某某县教育局2024年教育工作要点"
    assert _kept(result) == ["一、总体要求", "全面提升教育质量。"]


def test_a_part_heading_that_shares_few_characters_with_the_title_stays_in_the_body():
    text = "某某县教育局2023年工作总结和2024年工作打算\n2023年工作回顾\n全年完成各项任务。\n"
    result = strip_chrome(text)
    assert _kept(result)[0] == "2023年工作回顾"


def test_separator_lines_go_but_a_wrapped_line_ending_in_punctuation_stays():
    text = "某某县2024年教育工作要点\n— — —\n一、总体要求\n教学点覆盖率达到85\n%。\n"
    result = strip_chrome(text)
    assert _kept(result) == ["一、总体要求", "教学点覆盖率达到85", "%。"]
    assert "decoration" in _removed_reasons(result)


def test_view_counts_printed_after_the_number_are_filed():
    lines = ["某某县2024年教育工作要点", "2024-03-01　1342次浏览", "一、总体要求", "提升质量。"]
    result = strip_chrome("\n".join(lines))
    assert result.metadata["page_views"] == "1342"
    assert _kept(result) == ["一、总体要求", "提升质量。"]


def test_a_portal_headline_links_and_footer_leave_only_the_plan():
    result = strip_chrome(pages.GOV_PORTAL_LINKS)
    assert _kept(result)[0].startswith("2024年全县教育工作的总体要求是")
    assert len(_kept(result)) == 5
    meta = result.metadata
    assert meta["title_zh"] == "清溪县2024年教育工作要点"
    facts = (meta["publisher"], meta["author"], meta["page_views"])
    assert facts == ("清溪县教育局", "办公室", "512")
    # An organisation in a list of links signs nothing.
    assert meta["issuing_body"] == ""


def test_wechat_section_numbers_stay_and_bylines_with_bars_go():
    result = strip_chrome(pages.WECHAT_NUMBERED)
    assert _kept(result)[:3] == ["01", "加强理想信念教育", "深入开展“开学第一课”主题教育活动。"]
    assert result.metadata["source_site"] == "清溪教育"
    assert not any("王五" in text for text in _kept(result))


def test_legal_fields_on_one_line_without_brackets_are_filed():
    result = strip_chrome(pages.LEGAL_DB_PLAIN)
    assert _kept(result) == ["一、总体要求", "全面推进教育现代化。"]
    assert result.metadata["doc_no"] == "清教〔2024〕3号"
    assert result.metadata["issuing_body"] == "清溪县教育局"


def test_reprint_subtitle_and_jump_lines_are_removed():
    result = strip_chrome(pages.REPRINT_JUMPS)
    assert _kept(result) == [
        "一、推进教育优质均衡",
        "新建学校3所。",
        "二、加强教师队伍建设",
        "实施名师培养工程。",
    ]
    assert result.metadata["title_zh"] == "清溪县2024年教育工作要点"
    assert result.metadata["source_site"] == "清溪日报"


def test_a_title_run_into_its_preamble_is_cut_where_the_preamble_starts():
    first = "某某县2024年教育工作要点为深入贯彻党的教育方针，制定本要点。"
    result = strip_chrome(first + "\n一、总体要求\n")
    assert result.metadata["title_zh"] == "某某县2024年教育工作要点"
    assert _kept(result)[0] == "为深入贯彻党的教育方针，制定本要点。"


def test_a_plans_own_source_and_date_fields_stay_in_the_body():
    lines = ["某某县2024年教育工作要点", "一、经费保障", "来源：县财政局", "时间：2024年5月20日"]
    result = strip_chrome("\n".join(lines + ["全面落实经费保障。"]))
    assert _kept(result) == lines[1:] + ["全面落实经费保障。"]


@pytest.mark.parametrize(
    "line",
    [
        "家长可扫描二维码完成网上报名。",
        "相关文件要求各校健全家校沟通机制",
        "由工会会员代表提供意见建议",
        "位置：县城东区",
    ],
)
def test_plan_lines_with_page_words_stay_in_the_body(line):
    result = strip_chrome(f"某某县2024年教育工作要点\n一、总体要求\n{line}\n全面提升质量。\n")
    assert line in _kept(result)


# A notice as text extracted from a PDF: its paragraph wraps onto a second line.
WRAPPED_NOTICE = """清河县教育局文件
清教〔2025〕3号
关于印发清河县2025年德育工作要点的通知
各中小学校：
现将《清河县2025年德育工作要点》印发给你们
，请结合实际认真贯彻落实。
清河县教育局
2025年3月1日
清河县2025年德育工作要点
一、总体要求
坚持立德树人，推进德育一体化建设。"""


def test_the_wrapped_tail_of_a_notice_paragraph_is_removed_with_it():
    result = strip_chrome(WRAPPED_NOTICE)
    reasons = {r.text: r.reason for r in result.removed}
    assert reasons["，请结合实际认真贯彻落实。"] == "notice_body"
    # With the tail gone, the signature and the repeated title are still header.
    assert reasons["清河县教育局"] == "signature"
    assert reasons["清河县2025年德育工作要点"] == "title_repeat"
    assert [t for _, t in result.lines] == ["一、总体要求", "坚持立德树人，推进德育一体化建设。"]


def test_a_heading_after_an_unfinished_notice_line_is_not_taken_for_its_tail():
    text = WRAPPED_NOTICE.replace("，请结合实际认真贯彻落实。\n", "").replace(
        "清河县教育局\n2025年3月1日\n清河县2025年德育工作要点\n", ""
    )
    result = strip_chrome(text)
    assert [t for _, t in result.lines][:1] == ["一、总体要求"]
