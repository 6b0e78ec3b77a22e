"""A small work plan shared by the extraction tests: its lines, title and body.

Imported by the test modules (``from plan_fixtures import …``); not a test
module itself.  Numbered lines carry their labels as text ("一、", "1.").
"""

from __future__ import annotations

PLAN_LINES = [
    "某县教育局2023年工作要点",
    "2023年全县教育工作的总体要求是：坚持立德树人根本任务，推动教育优质均衡发展，办好人民满意的教育。",
    "一、加强党的建设",
    "1.深化理论学习。全面落实意识形态工作责任制，加强思政课建设，推进党史学习教育常态化。",
    "2.抓好基层党建。推进学校党组织标准化建设，实现中小学党组织全覆盖，打造一校一品党建品牌。",
    "二、促进教育均衡",
    "3.扩大学前教育资源。新建改扩建公办幼儿园五所，新增学位一千二百个，普惠性幼儿园覆盖率达到百分之九十。",
    "4.推进义务教育优质均衡。实施集团化办学，深化城乡教育共同体建设，缩小校际差距。",
]
TITLE = PLAN_LINES[0]
BODY = PLAN_LINES[1:]
