"""Where each word of a PDF is printed: ``pdftotext -bbox-layout`` (poppler-utils, scripts/system-deps.sh).

The layout tests read the boxes of the words WeasyPrint placed: two boxes that overlap are text printed
over text; a header word missing from the words printed was split; a page's lowest word tells how full
it is.
"""

import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

XHTML = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class Word:
    page: int  # from 1
    text: str
    x0: float
    y0: float  # from the top of the page, in pt
    x1: float
    y1: float

    def overlaps(self, other: "Word", slack: float = 1.0) -> bool:
        """Do the boxes share more than ``slack`` pt each way (adjacent lines' boxes may touch)?"""
        width = min(self.x1, other.x1) - max(self.x0, other.x0)
        height = min(self.y1, other.y1) - max(self.y0, other.y0)
        return width > slack and height > max(slack, 0.25 * min(self.y1 - self.y0, other.y1 - other.y0))


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)


def pages(pdf: bytes) -> list[Page]:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext не установлен: scripts/system-deps.sh ставит poppler-utils")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "doc.pdf"
        source.write_bytes(pdf)
        out = Path(folder) / "doc.html"
        subprocess.run(["pdftotext", "-bbox-layout", str(source), str(out)], check=True)  # noqa: S603, S607
        root = ET.parse(out).getroot()  # noqa: S314 -- poppler's own output of our own file
    result = []
    for number, page in enumerate(root.iter(f"{XHTML}page"), start=1):
        words = tuple(
            Word(
                number,
                word.text or "",
                float(word.get("xMin")),
                float(word.get("yMin")),
                float(word.get("xMax")),
                float(word.get("yMax")),
            )
            for word in page.iter(f"{XHTML}word")
        )
        result.append(Page(number, float(page.get("width")), float(page.get("height")), words))
    return result


def overlaps(page: Page) -> list[tuple[str, str]]:
    """Pairs of words printed over each other on the page."""
    words = sorted(page.words, key=lambda w: w.y0)
    found = []
    for index, word in enumerate(words):
        for other in words[index + 1 :]:
            if other.y0 >= word.y1:
                break
            if word.overlaps(other):
                found.append((word.text, other.text))
    return found
