"""Reading a public table back from the page's HTML, as a person (or a screen reader) reads it: the text of each
cell, the links in it, and whether the row is a pinned average line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Row:
    cells: list[str] = field(default_factory=list)
    links: list[list[str]] = field(default_factory=list)
    pinned: bool = False


@dataclass
class Table:
    header: list[str] = field(default_factory=list)
    sort_links: dict[str, str] = field(default_factory=dict)  # header text -> href
    rows: list[Row] = field(default_factory=list)

    @property
    def units(self) -> list[Row]:
        """The rows of units (not the averages' lines, not the "nothing matches" row)."""
        return [row for row in self.rows if not row.pinned and len(row.cells) == len(self.header)]

    def column(self, name: str) -> list[str]:
        position = self.header.index(name)
        return [row.cells[position] for row in self.units]


class _Parser(HTMLParser):
    def __init__(self, testid: str) -> None:
        super().__init__(convert_charrefs=True)
        self.testid = testid
        self.table = Table()
        self.depth = 0  # nesting of <table> inside the one we read
        self.section = ""
        self.cell: list[str] | None = None
        self.cell_links: list[str] = []
        self.row: Row | None = None
        self.href = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "table":
            if self.depth or values.get("data-testid") == self.testid:
                self.depth += 1
            return
        if not self.depth:
            return
        if tag in ("thead", "tbody", "tfoot"):
            self.section = tag
        elif tag == "tr":
            self.row = Row(pinned="pinned-row" in (values.get("class") or ""))
        elif tag in ("td", "th"):
            self.cell, self.cell_links = [], []
        elif tag == "a" and self.cell is not None:
            self.href = values.get("href") or ""
            self.cell_links.append(self.href)

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        if tag == "table":
            self.depth -= 1
        elif tag in ("td", "th") and self.cell is not None:
            text = re.sub(r"\s+", " ", "".join(self.cell)).strip()
            if self.section == "thead":
                self.table.header.append(text)
                if self.cell_links:
                    self.table.sort_links[text] = self.cell_links[0]
            elif self.row is not None:
                self.row.cells.append(text)
                self.row.links.append(self.cell_links)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.section != "thead":
                self.table.rows.append(self.row)
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.depth and self.cell is not None:
            self.cell.append(data)


def read_table(html: str, testid: str = "ranking") -> Table:
    parser = _Parser(testid)
    parser.feed(html)
    return parser.table
