"""HTML to readable text: visible text only, one block per line."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

_DROP = ("script", "style", "noscript", "template", "head", "title")
_BLOCKS = (
    "p",
    "div",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "address",
    "ul",
    "ol",
    "dt",
    "dd",
    "pre",
    "blockquote",
)
_WHITESPACE = re.compile(r"\s+")
_SPACES = re.compile(r"[ \u00a0\r\f\v]+")


def html_to_text(markup: str) -> str:
    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(_DROP):
        tag.decompose()
    # The doctype and comments are strings to BeautifulSoup but never visible text.
    hidden = (Comment, Declaration, Doctype, ProcessingInstruction)
    for node in soup.find_all(string=lambda node: isinstance(node, hidden)):
        node.extract()
    # Source line breaks are just whitespace in HTML; only blocks and <br> break lines.
    for string in soup.find_all(string=True):
        if string.find_parent("pre") is None:
            string.replace_with(_WHITESPACE.sub(" ", str(string)))
    for br in soup.find_all("br"):
        br.replace_with("\n")
    # Rows become tab-separated lines so line items keep their columns.
    for row in soup.find_all("tr"):
        cells = [c.get_text(" ", strip=True) for c in row.find_all(["td", "th"])]
        row.replace_with("\n" + "\t".join(cells) + "\n")
    for block in soup.find_all(_BLOCKS):
        block.insert_before("\n")
        block.append("\n")
    lines = (_SPACES.sub(" ", line).strip(" ") for line in soup.get_text().splitlines())
    return "\n".join(line for line in lines if line.strip())
