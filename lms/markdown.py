"""Markdown written by users, rendered to HTML that is safe to show to everyone."""
import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML is not Markdown here; links that are not http(s) or mailto are refused by markdown-it,
# and nh3 removes anything that still slipped through (scripts, event handlers, javascript: URLs).
_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4", "blockquote", "code", "pre", "hr",
    "table", "thead", "tbody", "tr", "th", "td",
}


def render_markdown(text: str | None) -> Markup:
    if not text:
        return Markup("")
    html = _parser.render(text)
    return Markup(
        nh3.clean(
            html, tags=_ALLOWED_TAGS, attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
            url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow",
        )
    )


_INLINE_TAGS = {"strong", "em", "code", "a"}


def render_inline(text: str | None) -> Markup:
    """One line of Markdown (a summary, a search snippet): emphasis, code and links, no blocks."""
    if not text:
        return Markup("")
    return Markup(nh3.clean(
        _parser.renderInline(text), tags=_INLINE_TAGS, attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow",
    ))
