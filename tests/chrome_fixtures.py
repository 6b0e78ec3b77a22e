"""Invented pages in the shapes real pages have (no real page's text), one per kind.

Imported by the chrome test modules (``import chrome_fixtures``); not a test
module.  Each page is written for the chrome tests: the furniture a kind of page puts
around a plan, and a short plan of our own inside it.
"""

# A county portal with the metadata header one field per line, key above value.
GOV_PORTAL_STACKED = """某某县人民政府门户网站
首页 > 政务公开 > 计划总结
某某县教育局2024年工作要点
发布时间
2024-03-01
信息来源
某某县教育局
浏览次数
1024
字号：大 中 小　视力保护色　打印　关闭
一、总体要求
2024年，全县教育系统要坚持立德树人根本任务，推进教育高质量发展。
二、重点任务
（一）加强教师队伍建设。实施教师素质提升工程。
分享到：
主办：某某县人民政府办公室　承办：某某县大数据中心
网站标识码：1234560000　某ICP备12345678号-1　某公网安备 33010002000001号
"""

# A traditional-character mirror that flattened the page into one line.
TRADITIONAL_FLAT = (
    "發佈時間：2024-03-01 來源：某某縣教育局 瀏覽次數：1024 "
    "某某縣2024年教育工作要點 一、總體要求 全面貫徹黨的教育方針，落實立德樹人根本任務。"
    "二、重點任務 加強師資隊伍建設，提升教育質量。\n"
)

# A document-sharing site: file facts, VIP prompts, page captions, related list.
DOCSHARE = """某某文档网
2024年某某镇中心学校工作计划.docx
文件大小：25KB　页数：6页
VIP专享文档
下载积分：3
本文由会员某某分享
2024年某某镇中心学校工作计划
一、指导思想
以立德树人为根本任务，全面提升办学质量。
第1页
二、主要工作
1.加强德育工作。开展主题教育活动。
还剩4页未读，继续阅读
立即下载
相关文档
2023年某某小学工作计划
某某中学德育工作计划范文
"""

# A template-essay site: contributor line, editor's lead-in, 篇一 header,
# watermarks inside sentences and a related-articles list.
ESSAY = """时间：2024-02-20 10:12:33 来源：网友投稿
下面是小编为大家整理的2024年学校教育工作要点，供大家参考。
篇一：2024年学校教育工作要点
一、工作目标
全面落实立德树人根本任务（来源：某某范文网），促进学生全面发展。
二、主要措施
加强课堂教学管理，本文来自某某范文网提高教学质量。
相关推荐
2024年学校工作计划
2024年德育工作总结
"""

# A WeChat article: account line, follow prompt, emoji and an injected symbol,
# editor lines, a recommended list and the share buttons.
WECHAT = """原创 某某教育 某某县教育局 2024-03-01 08:00 浙江
点击蓝字 关注我们
某某县2024年教育工作要点
一、深化教育改革
推进集团化办学，扩大优质教育资源覆盖面🎉。
二、加强师资建设
实施名师培养工程，打造高素质教▲师队伍。
编辑：张三 审核：李四 校对：王五
来源：某某县教育局
往期推荐
某某县召开2024年教育工作会议
某某县举行中小学校长培训班
长按识别二维码关注我们
分享 点赞 在看
"""

# A newspaper reprint: edition line, byline lead-in run into the first sentence.
REPRINT = """2024年3月5日 星期二 第03版：教育周刊
某某县2024年教育工作要点
本报讯（记者 张三 通讯员 李四）全县将全面推进义务教育优质均衡发展。
一、办好人民满意的教育
扩大普惠性学前教育资源，新建幼儿园3所。
（责任编辑：王五）
"""

# A legal-database record wrapping a notice that wraps the plan.
LEGAL_DB = """某某县教育局关于印发2024年教育工作要点的通知
【制定机关】某某县教育局
【公布日期】2024.03.01
【施行日期】2024.03.01
【效力等级】地方规范性文件
【时效性】现行有效
【发文字号】某教〔2024〕5号
正文：
各乡镇中心学校，县直各学校：
现将《2024年教育工作要点》印发给你们，请结合实际认真贯彻落实。
某某县教育局
2024年3月1日
2024年教育工作要点
一、加强党的建设
深化党建引领，推进清廉学校建设。
"""

# A notice with its document number first, a date in Chinese numerals and
# distribution lines after the plan.
NOTICE_NUMBERED = """某教〔2024〕12号
某某市教育局关于印发《2024年全市教育工作要点》的通知
各区县教育局：
为做好今年全市教育工作，现将《2024年全市教育工作要点》印发给你们，请结合实际认真贯彻执行。
附件：2024年全市教育工作要点
某某市教育局
二〇二四年一月八日
（此件公开发布）
2024年全市教育工作要点
一、推进教育优质均衡
统筹城乡教育资源配置，缩小校际差距。
抄送：市委教育工委，市政府办公室。
某某市教育局办公室　2024年1月9日印发
"""

# A spam mirror: a betting notice above a plan that itself talks about football.
SPAM_MIRROR = """【某某体育】官网入口 足球投注 注册送彩金
某某县2024年教育工作要点
一、加强学校体育工作
全面开展校园足球活动，保障学生每天校内体育活动时间不少于1小时。
"""

# A portal page: a headline naming the plan in another form, fields separated by 丨,
# a list of links and a footer below the plan.
GOV_PORTAL_LINKS = """清溪县人民政府
首页 | 机构概况 | 政务公开 | 教育动态 | 办事服务
当前位置：首页 >> 政务公开 >> 计划总结
清溪县教育局关于2024年教育工作要点
发布时间：2024-02-26 09:31丨来源：清溪县教育局丨作者：办公室丨浏览次数：512
字号：大 中 小  视力保护色  打印  关闭
清溪县2024年教育工作要点
2024年全县教育工作的总体要求是：坚持立德树人，推进教育优质均衡发展。
一、加强党的建设
（一）深化党建引领。全面落实党组织领导的校长负责制。
二、促进学生全面发展
1.加强体育工作。保障学生每天校内外体育活动时间不少于2小时。
【打印本页】【关闭窗口】
上一篇：清溪县召开教育工作会议
下一篇：清溪县2023年教育工作总结
相关链接
教育部
浙江省教育厅
主办单位：清溪县人民政府办公室　承办：清溪县教育局
浙ICP备00000000号　浙公网安备 00000000000000号　网站标识码：0000000000
技术支持：某某科技有限公司
您是第123456位访客
"""

# A WeChat article numbered 01/02 with decorative bullets and | bylines.
WECHAT_NUMBERED = """点击上方“清溪教育”关注我们
清溪教育
原创 清溪县教育局 清溪教育 2024-02-28 18:30 发表于浙江
▼
清溪县2024年中小学德育工作要点
01
▶加强理想信念教育
深入开展“开学第一课”主题教育活动🔥。
02
▶推进思政课建设
组建县级思政课教研共同体。
— END —
来源 | 清溪县教育局
编辑 | 王五
审核 | 赵六
往期推荐
清溪县召开德育工作会议
阅读原文
阅读 1024 在看 8 点赞 16
"""

# A legal database printing its fields without brackets, all on one line.
LEGAL_DB_PLAIN = (
    "法律法规数据库 > 地方规范性文件\n"
    "清溪县2024年教育工作要点\n"
    "发布部门：清溪县教育局  发文字号：清教〔2024〕3号  发布日期：2024.02.26  "
    "实施日期：2024.02.26  时效性：现行有效  效力级别：地方规范性文件\n"
    """全文
一、总体要求
全面推进教育现代化。
法宝联想
相关法规
本篇引用
"""
)

# A newspaper reprint with a subtitle and jump lines inside the column.
REPRINT_JUMPS = """清溪日报　2024年3月5日　星期二　第3版：教育周刊
——县教育局负责人解读今年教育工作要点
编者按：今年县教育局出台教育工作要点，本版刊发全文，敬请关注。
清溪县2024年教育工作要点
一、推进教育优质均衡
新建学校3所。（下转第4版）
（上接第3版）
二、加强教师队伍建设
实施名师培养工程。
（本报记者 林晓 整理）
责任编辑：邓清
"""
