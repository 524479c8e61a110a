"""HTML to plain text with the stdlib parser: nothing is fetched, run or resolved.

Mail bodies and ``.msg`` items often come as HTML only. ``html_to_text`` keeps
the readable text: script, style, head and similar containers are dropped,
block elements become line breaks, list items become "- " bullets, table cells
are separated by " | ", and entities are decoded by ``html.parser`` itself.
Hostile markup (unclosed tags, huge nesting, comments hiding scripts) only ever
yields text or nothing.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_DROP = {"script", "style", "head", "title", "template", "noscript", "iframe", "object", "svg", "math", "xml"}
_VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "wbr"}
_BLOCK = {
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "html",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "ul",
}
MAX_HTML_CHARS = 1_000_000  # a bigger HTML body is cut, not parsed (worst case ~2.5 s at this size)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.skip_tag = ""
        self.pre_depth = 0
        self.trailing = 2  # newlines at the end of the output so far (start counts as a paragraph break)

    def _newline(self, count: int = 1) -> None:
        """End the current line; ``count=2`` leaves a blank line. Never more than asked for."""
        if count > self.trailing:
            self.parts.append("\n" * (count - self.trailing))
            self.trailing = count

    def _emit(self, text: str) -> None:
        if not text:
            return
        if not text.strip() and self.trailing:
            return  # whitespace between block tags
        self.parts.append(text)
        self.trailing = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip_depth:
            if tag == self.skip_tag:
                self.skip_depth += 1
            return
        if tag in _DROP:
            self.skip_depth, self.skip_tag = 1, tag
            return
        if tag == "br":
            self._newline()
        elif tag == "li":
            self._newline()
            self._emit("- ")
        elif tag in {"td", "th"}:
            self._emit(" | ")
        elif tag == "pre":
            self.pre_depth += 1
            self._newline()
        elif tag in _BLOCK:
            self._newline(2 if tag in {"p", "table", "blockquote"} else 1)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID or tag not in _DROP:
            self.handle_starttag(tag, attrs)
        # a self-closed <script/> opens nothing to skip

    def handle_endtag(self, tag: str) -> None:
        if self.skip_depth:
            if tag == self.skip_tag:
                self.skip_depth -= 1
            return
        if tag == "pre" and self.pre_depth:
            self.pre_depth -= 1
            self._newline()
        elif tag in _BLOCK or tag == "li":
            self._newline(2 if tag in {"p", "table", "blockquote"} else 1)

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        self._emit(data if self.pre_depth else re.sub(r"\s+", " ", data))


def _skip_to(html: str, start: int, end_marker: str) -> int:
    end = html.find(end_marker, start)
    return len(html) if end < 0 else end + len(end_marker)


def defuse(html: str) -> str:
    """Escape every "<" that does not open a complete tag; drop comments, CDATA and doctypes.

    ``html.parser`` rescans from each unfinished "<", which makes input like
    ``"<a " * 40_000`` take ~40 s (measured, CPython 3.11). This single linear
    pass leaves it only complete ``<...>`` runs. A doctype's internal subset
    (``[<!ENTITY ...>]``) goes with the doctype, so entities are never declared.
    """
    out: list[str] = []
    i, n = 0, len(html)
    next_gt = -1
    while i < n:
        j = html.find("<", i)
        if j < 0:
            out.append(html[i:])
            break
        out.append(html[i:j])
        head = html[j : j + 9].lower()
        if head.startswith("<!--"):
            i = _skip_to(html, j + 4, "-->")
            continue
        if head.startswith("<![cdata["):
            i = _skip_to(html, j + 9, "]]>")
            continue
        if head.startswith("<!doctype"):
            gt = html.find(">", j)
            bracket = html.find("[", j, gt if gt >= 0 else n)
            i = _skip_to(html, bracket, "]>") if bracket >= 0 else (n if gt < 0 else gt + 1)
            continue
        if next_gt <= j:
            next_gt = html.find(">", j + 1)
            if next_gt < 0:  # no ">" anywhere after: no tag can follow
                out.append(html[j:].replace("<", "&lt;"))
                break
        following = html.find("<", j + 1, next_gt)
        if following >= 0:  # another "<" before the ">": this one is text
            out.append("&lt;")
            i = j + 1
            continue
        out.append(html[j : next_gt + 1])
        i = next_gt + 1
    return "".join(out)


def html_to_text(html: str) -> str:
    """Readable text of an HTML document or fragment (never raises on malformed markup)."""
    parser = _TextExtractor()
    try:
        parser.feed(defuse(html[:MAX_HTML_CHARS]))
        parser.close()
    except (AssertionError, ValueError):  # html.parser's own complaints about broken declarations
        pass
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    lines = [re.sub(r"^\|\s*", "", line) for line in lines]
    out = "\n".join(lines)
    out = re.sub(r"\n{3,}", "\n\n", out)
    return out.strip()
