"""Government web pages for the HTML extraction tests, written as the sites write them.

Imported by ``test_html_text.py`` and ``test_html_extract.py``; not a test
module itself.
"""

from __future__ import annotations


def government_page(body_lines: list[str], *, title: str, charset: str = "utf-8") -> str:
    """A 政府信息公开 page: meta tags, nav, breadcrumb, index table, tools, footer."""
    body = "\n".join(
        f'<p style="text-indent:2em"><strong>{line}</strong></p>'
        if line[1] == "、"
        else f'<p style="text-indent:2em">{line}</p>'
        for line in body_lines
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head>
<meta charset="{charset}">
<meta name="SiteName" content="某县人民政府">
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="2023-02-28 09:30">
<meta name="ContentSource" content="某县教育局">
<title>{title}_计划总结_某县人民政府</title>
<script src="https://www.example.gov.cn/js/jquery.min.js"></script>
<script>var _hmt = _hmt || []; document.write("统计代码");</script>
<link rel="stylesheet" href="https://www.example.gov.cn/css/main.css">
</head><body>
<div class="topbar">欢迎访问某县人民政府门户网站
<a href="#">无障碍浏览</a> <a href="#">长者模式</a></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li>
<li><a href="/zwfw">政务服务</a></li><li><a href="/hdjl">互动交流</a></li></ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt;
<a href="/zwgk">政府信息公开</a> &gt; 计划总结</div>
<div class="xxgk"><table>
<tr><td>索引号</td><td>11330122002/2023-00017</td><td>发布机构</td><td>某县教育局</td></tr>
<tr><td>成文日期</td><td>2023-02-20</td><td>公开日期</td><td>2023-02-28</td></tr>
<tr><td>文号</td><td>某教〔2023〕5号</td><td>主题分类</td><td>教育</td></tr>
</table></div>
<div class="article">
<h1>{title}</h1>
<div class="info">发布时间：2023-02-28 09:30 来源：某县教育局 浏览次数：<span>356</span>
字体：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a></div>
<div class="content" id="zoom">
{body}
</div>
<div class="tools"><a href="javascript:window.print()">【打印本页】</a>
<a href="javascript:window.close()">【关闭窗口】</a> 分享到：<a href="#">微信</a></div>
<div class="related"><h3>相关文章</h3><ul><li><a href="/a1">某县教育局2022年工作总结</a></li>
<li><a href="/a2">关于做好2023年春季开学工作的通知</a></li></ul></div>
</div>
<div class="footer"><p><a href="#">网站地图</a> | <a href="#">联系我们</a></p>
<p>主办单位：某县人民政府办公室 网站标识码：3301220001 <a href="#">浙ICP备05012345号</a>
浙公网安备 33012202000123号</p>
<img src="https://dcs.conac.cn/image/red.png" alt="党政机关"></div>
</body></html>
"""


def table_layout_page(body_lines: list[str], *, title: str) -> str:
    """An old county site: nested layout tables, <br> paragraphs, gb2312 declared."""
    body = "<br>".join("&nbsp;&nbsp;&nbsp;&nbsp;" + line for line in body_lines)
    return (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        f"<title>{title}--某县教育局</title></head><body>"
        '<table width="1000"><tr><td class="menu"><a href="/">网站首页</a>'
        ' | <a href="/x">教育新闻</a>'
        ' | <a href="/y">通知公告</a> | <a href="/z">手机网站</a></td></tr></table>'
        '<table width="1000"><tr><td width="200" class="left"><table><tr><td>栏目导航</td></tr>'
        '<tr><td><a href="/a">工作要点</a></td></tr><tr><td><a href="/b">工作总结</a></td></tr>'
        '</table></td><td width="800"><table><tr><td>'
        "您现在的位置：首页 &gt;&gt; 工作要点 &gt;&gt; 正文"
        f'</td></tr><tr><td align="center"><b>{title}</b></td></tr>'
        '<tr><td align="center">发布日期：2023年3月1日 来源：某县教育局 点击数：88</td></tr>'
        f'<tr><td class="content">{body}</td></tr>'
        '<tr><td align="right"><a href="javascript:window.print()">[打印本页]</a>'
        '<a href="javascript:self.close()">[关闭窗口]</a></td></tr></table></td></tr></table>'
        "<table><tr><td>版权所有：某县教育局 浙ICP备12345678号 网站标识码：3301220012"
        "</td></tr></table>"
        "</body></html>"
    )


def insert_after_content(page: str, fragment: str) -> str:
    """``page`` from :func:`government_page` with ``fragment`` added at the end of its content."""
    return page.replace('</div>\n<div class="tools">', f'{fragment}</div>\n<div class="tools">')
