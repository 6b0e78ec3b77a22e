"""Chrome stripping on invented pages shaped like real ones, and on the seeds."""

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
    assert regions.loc["licheng", "page_views"] == "1"
    assert regions.loc["licheng", "title_zh"] == "2022年鲤城教育工作要点"
    assert regions.loc["tonglu", "page_date"] == "2021-09-14"
    assert regions.loc["sichuan_county", "source_site"] == "汇文网"
