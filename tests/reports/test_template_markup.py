"""No document the portal renders carries template markup (issue #17, item 8).

Django's short comment tag closes on the line it opens: a comment spread over two lines is not a comment
but text, and the справка printed it above the signature stamp. Two nets: every template is tokenized the
way Django does and no text token may hold a tag's delimiters; and the rendered PDF, Word and Excel files are
read back and searched for them.
"""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.renderers.docx import render_docx
from reports.renderers.pdf import render_pdf
from reports.renderers.xlsx import render_xlsx
from tests.reports.realistic import realistic_context

MARKERS = ("{#", "#}", "{%", "%}", "{{", "}}")


def template_files() -> list[Path]:
    roots = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    roots += [path for path in Path(settings.BASE_DIR).glob("*/templates") if ".venv" not in path.parts]
    return sorted(
        {
            path
            for root in roots
            for path in root.rglob("*")
            if path.is_file() and path.suffix in {".html", ".css", ".txt", ".xml", ".js"}
        }
    )


def leaked_markup(source: str) -> list[tuple[int, str]]:
    """(line, marker) of every tag delimiter Django would print as text."""
    found = []
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.TEXT:
            text = token.contents
            found += [
                (token.lineno + text[: text.index(marker)].count("\n"), marker)
                for marker in MARKERS
                if marker in text
            ]
    return found


def test_the_check_catches_a_comment_over_two_lines():
    assert leaked_markup("<p>a</p>\n{# one line #}\n") == []
    assert leaked_markup("<p>a</p>\n{# first line\n   second line #}\n") == [(2, "{#"), (3, "#}")]
    assert leaked_markup("{% comment %}\nmany\nlines\n{% endcomment %}") == []


def test_no_template_prints_its_own_markup():
    files = template_files()
    assert any(path.name == "report.html" for path in files)  # the справка's template is among them
    leaks = {
        str(path): leaked for path in files if (leaked := leaked_markup(path.read_text(encoding="utf-8")))
    }
    assert leaks == {}


@pytest.fixture(scope="module")
def context():
    return realistic_context(rows=12)


def assert_clean(text: str) -> None:
    assert text.strip()
    assert [marker for marker in MARKERS if marker in text] == []


def test_the_pdf_carries_no_template_markup(context):
    reader = PdfReader(io.BytesIO(render_pdf(context)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Рекомендации" in text  # the end of the document was read too
    assert_clean(text)


def test_the_docx_carries_no_template_markup(context):
    document = Document(io.BytesIO(render_docx(context)))
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert_clean("\n".join(texts))


def test_the_workbook_carries_no_template_markup(context):
    workbook = load_workbook(io.BytesIO(render_xlsx(context)), read_only=True)
    texts = [
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    assert_clean("\n".join(texts))
