"""Read the class report back as a reader (or a screen reader) meets it: its tables by caption,
and every address the page would load."""

import csv
import re
from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self.current, self.row, self.cell, self.caption = {}, None, None, None, None
        self.headers_ok = True

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.current, self.name = [], None
        elif tag == "caption":
            self.caption = ""
        elif tag == "tr" and self.current is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""
            if tag == "th" and dict(attrs).get("scope") not in ("col", "row"):
                self.headers_ok = False
        elif tag == "br" and self.cell is not None:
            self.cell += "\n"
        elif tag == "li" and self.cell is not None and self.cell:
            self.cell += "\n"

    def handle_endtag(self, tag):
        if tag == "caption":
            self.name, self.caption = self.caption.strip(), None
        elif tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.current.append(self.row)
            self.row = None
        elif tag == "table":
            assert self.name, "a table without a caption"
            self.tables[self.name] = self.current
            self.current = None

    def handle_data(self, data):
        if self.caption is not None:
            self.caption += data
        elif self.cell is not None:
            self.cell += data


def tables(text):
    """{caption: [header row, row, ...]} with cell texts (a <br> or a list item starts a line);
    fails when a table has no caption or a header cell no scope."""
    parser = _Tables()
    parser.feed(text)
    assert parser.headers_ok, "a header cell without scope"
    return parser.tables


def table_rows(text, caption):
    """{first cell's first line: {column header: cell text}} of the table with this caption."""
    found = tables(text)
    assert caption in found, f"no table {caption!r} in {sorted(found)}"
    header, *rows = found[caption]
    return {row[0].split("\n")[0]: dict(zip(header, row)) for row in rows}


def addresses(text):
    """Every src/href/url()/@import target in the page, and whether it has script or link tags."""
    targets = re.findall(r"""(?:src|href|srcset|data|action|poster)\s*=\s*["']?([^"'\s>]*)""", text, re.I)
    targets += re.findall(r"url\(\s*['\"]?([^'\")]*)", text, re.I)
    targets += re.findall(r"@import\s+['\"]?([^'\";]*)", text, re.I)
    return targets


def loads_nothing_from_elsewhere(text):
    """No script, no link element, no address other than an embedded image or an in-page anchor."""
    assert not re.search(r"<\s*(script|link|iframe|object|embed|base)\b", text, re.I)
    bad = [a for a in addresses(text) if not (a.startswith("data:image/png;base64,") or a.startswith("#"))]
    assert not bad, bad
    assert not re.search(r"(https?|ftp):|//[a-z0-9.-]+\.[a-z]{2,}/", text, re.I)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
