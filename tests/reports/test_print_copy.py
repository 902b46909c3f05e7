"""The print copy of a КЭП-signed справка (issue #22 §3, ГОСТ Р 7.0.97-2025): the original's pages with the QR
code on page 1 and the mark of the electronic signature in the signature's place.

The QR code is read back by zbarimg (Debian's zbar-tools, scripts/system-deps.sh) from pdftoppm's raster of
page 1: an independent decoder reading the printed pixels, as a phone would — not qrcode's own matrix compared
with itself. Word boxes come from pdftotext (tests/reports/pdf_layout.py).
"""

import datetime
import hashlib
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from reports import print_copy, signing
from reports.print_copy import Box, SignatureMark, build_print_copy, placement, qr_payload
from reports.renderers.pdf import render_pdf
from tests.reports.pdf_layout import Page, Word, overlaps, pages
from tests.reports.realistic import realistic_context

VERIFY_URL = "http://127.0.0.1:8000/reports/verify/6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b/"
SERIAL = "7C00A1B2C3D4E5F60718293A4B5C6D7E8F901234"
MARK = SignatureMark(
    owner="Кузнецова Наталья Андреевна",
    certificate_serial=SERIAL,
    valid_from=datetime.date(2026, 1, 15),
    valid_to=datetime.date(2027, 4, 15),
    signed_at=datetime.datetime(2026, 12, 7, 11, 5, tzinfo=datetime.UTC),
    title="Заведующий отделом образования",
    organization="Отдел образования Администрации Обливского района",
)
MARK_TEXT = (
    "ДОКУМЕНТ ПОДПИСАН ЭЛЕКТРОННОЙ ПОДПИСЬЮ "
    f"Сертификат: {SERIAL} Владелец: Кузнецова Наталья Андреевна Действителен с 15.01.2026 по 15.04.2027"
)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} не установлен: scripts/system-deps.sh ставит poppler-utils и zbar-tools")
    return path


def decode_qr(pdf: bytes, *, page: int, box: Box | None = None, dpi: int = 300) -> list[str]:
    """What zbarimg reads on ``page`` (from 1) rendered at ``dpi``; only inside ``box`` when given."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "doc.pdf"
        source.write_bytes(pdf)
        command = [_tool("pdftoppm"), "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile"]
        if box is not None:
            scale = dpi / 72
            command += ["-x", str(int(box.x0 * scale)), "-y", str(int(box.y0 * scale))]
            command += ["-W", str(int(box.width * scale) + 1), "-H", str(int(box.height * scale) + 1)]
        subprocess.run([*command, str(source), str(Path(folder) / "page")], check=True)  # noqa: S603
        found = subprocess.run(  # noqa: S603
            [
                _tool("zbarimg"),
                "--quiet",
                "--raw",
                "-Sdisable",
                "-Sqrcode.enable",
                str(Path(folder) / "page.png"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    return found.stdout.splitlines()


def inside(word: Word, box: Box, slack: float = 0.5) -> bool:
    return (
        box.x0 - slack <= word.x0
        and word.x1 <= box.x1 + slack
        and box.y0 - slack <= word.y0
        and word.y1 <= box.y1 + slack
    )


def meets(word: Word, box: Box) -> bool:
    """Does the word's box share any area with ``box``?"""
    return min(word.x1, box.x1) > max(word.x0, box.x0) and min(word.y1, box.y1) > max(word.y0, box.y0)


def text_in(page: Page, box: Box) -> str:
    """The words inside ``box`` line by line, left to right (pdftotext may list a line's words out of order)."""
    words = sorted((word for word in page.words if inside(word, box)), key=lambda w: (round(w.y0), w.x0))
    return " ".join(word.text for word in words)


@pytest.fixture(scope="module")
def original() -> bytes:
    return render_pdf(realistic_context(rows=40))


@pytest.fixture(scope="module")
def sha(original) -> str:
    return hashlib.sha256(original).hexdigest()


@pytest.fixture(scope="module")
def copy(original, sha) -> bytes:
    return build_print_copy(original, verify_url=VERIFY_URL, sha256=sha, mark=MARK)


@pytest.fixture(scope="module")
def placed(original):
    return placement(original)


@pytest.fixture(scope="module")
def original_layout(original) -> list[Page]:
    return pages(original)


@pytest.fixture(scope="module")
def copy_layout(copy) -> list[Page]:
    return pages(copy)


def test_the_copy_has_the_originals_pages(original_layout, copy_layout, copy):
    assert len(original_layout) >= 5
    assert len(copy_layout) == len(original_layout)
    assert [(p.width, p.height) for p in copy_layout] == [(p.width, p.height) for p in original_layout]
    # every page but the two that get a drawing reads exactly as before
    placed = placement(copy)
    for before, after in zip(original_layout, copy_layout, strict=True):
        if after.number - 1 not in (placed.qr.page, placed.mark.page):
            assert after.words == before.words, after.number


def test_the_original_is_not_changed_and_opens_the_copy(sha):
    data = render_pdf(realistic_context(rows=2))
    before = bytes(data)
    result = build_print_copy(data, verify_url=VERIFY_URL, sha256=hashlib.sha256(data).hexdigest(), mark=MARK)
    assert data == before
    # an incremental update: the copy begins with the signed original, byte for byte
    assert result[: len(data)] == data
    assert len(result) > len(data)
    assert hashlib.sha256(result[: len(data)]).hexdigest() == hashlib.sha256(before).hexdigest()
    assert sha != hashlib.sha256(before).hexdigest()  # a different справка from the module's


def test_the_copy_is_a_valid_pdf_with_embedded_fonts(original, copy):
    count = len(PdfReader(io.BytesIO(original)).pages)
    reader = PdfReader(io.BytesIO(copy), strict=True)
    assert len(reader.pages) == count
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "copy.pdf"
        source.write_bytes(copy)
        info = subprocess.run([_tool("pdfinfo"), str(source)], capture_output=True, text=True, check=True)  # noqa: S603
        fonts = subprocess.run([_tool("pdffonts"), str(source)], capture_output=True, text=True, check=True)  # noqa: S603
    assert info.stderr == ""
    fields = dict(line.split(":", 1) for line in info.stdout.splitlines())
    assert int(fields["Pages"]) == count
    assert fields["Title"].strip() == PdfReader(io.BytesIO(original)).metadata.title
    assert fields["Subject"].strip() == print_copy.SUBJECT
    rows = fonts.stdout.splitlines()[2:]
    assert rows  # the overlay's fonts and the original's
    # … emb sub uni object ID: every font embedded (subset), with a Unicode map (the text can be copied)
    assert {tuple(row.split()[-5:-2]) for row in rows} == {("yes", "yes", "yes")}


def test_page_one_carries_the_caption_beside_the_qr_code(copy_layout, placed, sha):
    first = copy_layout[0]
    caption = text_in(first, placed.caption)
    assert caption == (
        "Копия электронного документа, подписанного электронной подписью. "
        f"Проверка подлинности: отсканируйте QR-код или откройте {VERIFY_URL} "
        f"SHA-256 подписанного файла: {sha}"
    )
    # beside the code: on its band, to its left, ending within 4 mm of it
    words = [word for word in first.words if inside(word, placed.caption)]
    assert min(word.y0 for word in words) >= placed.qr.y0 - 0.5
    assert max(word.y1 for word in words) <= placed.qr.y1 + 0.5
    assert placed.qr.x0 - 4 * print_copy.MM <= max(word.x1 for word in words) <= placed.qr.x0


def test_the_qr_code_reads_as_the_verification_address_with_the_sha256(copy, placed, sha, original_layout):
    expected = f"{VERIFY_URL}?sha256={sha.upper()}"
    assert qr_payload(VERIFY_URL, sha) == expected
    assert decode_qr(copy, page=1) == [expected]
    # it is where placement() says: in the lower right corner, in the 30 mm lower margin page 1 has for it
    assert decode_qr(copy, page=1, box=placed.qr) == [expected]
    width, height = placed.page_sizes[0]
    assert placed.qr.page == 0
    assert (placed.qr.width, placed.qr.height) == (pytest.approx(24 * print_copy.MM),) * 2
    assert placed.qr.x1 == pytest.approx(width - 10 * print_copy.MM)
    assert placed.qr.y1 == pytest.approx(height - 3.5 * print_copy.MM)
    assert placed.qr.y0 >= height - 30 * print_copy.MM
    assert placed.qr.y0 > max(word.y1 for word in original_layout[0].words)
    # 0.45 mm modules: a 150 dpi scan is enough
    assert decode_qr(copy, page=1, dpi=150) == [expected]


FILLED_PAGE = """<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 20mm 10mm {bottom}mm 20mm; }}
body {{ font-family: "Liberation Serif"; font-size: 14pt; }}
p {{ margin: 0; }}
</style></head><body>{text}</body></html>"""


@pytest.mark.parametrize("bottom", [20, 25, 30])
def test_the_qr_code_takes_the_lower_margin_page_one_leaves(bottom, sha):
    """A справка rendered with the 20 mm margin of ГОСТ Р 7.0.97-2016 (before page 1 had 30 mm) gets a smaller
    code, between 16 and 24 mm, under its lowest line with at least 2.5 mm to spare."""
    from weasyprint import HTML

    text = "".join(f"<p>Строка текста справки номер {n}.</p>" for n in range(80))
    original = HTML(string=FILLED_PAGE.format(bottom=bottom, text=text)).write_pdf()
    first = pages(original)[0]
    lowest = max(word.y1 for word in first.words)
    assert first.height - lowest < (bottom + 7) * print_copy.MM  # page 1 is full: at most a line left
    placed = placement(original)
    assert 16 * print_copy.MM - 0.01 <= placed.qr.width <= 24 * print_copy.MM + 0.01
    if bottom == 20:
        assert placed.qr.width < 24 * print_copy.MM - 1
    assert placed.qr.y0 - lowest >= 2.5 * print_copy.MM
    copy = build_print_copy(original, verify_url=VERIFY_URL, sha256=sha, mark=MARK)
    assert overlaps(pages(copy)[0]) == []
    assert decode_qr(copy, page=1, box=placed.qr) == [qr_payload(VERIFY_URL, sha)]


def test_the_mark_is_framed_text_in_its_box(copy_layout, placed):
    page = copy_layout[placed.mark.page]
    assert text_in(page, placed.mark) == MARK_TEXT
    # the template's 78 × 26 mm cell less 2.5 mm at each side
    assert placed.mark.width == pytest.approx(73 * print_copy.MM)
    assert placed.mark.height == pytest.approx(26 * print_copy.MM)


def test_the_mark_stands_in_the_signature_block(original, placed, original_layout):
    """The template's ``esign-mark`` cell (templates/reports/pdf/signature.html): the mark is on the page of the
    signer's name, between the position and the name."""
    assert print_copy.MARK_ANCHOR in PdfReader(io.BytesIO(original)).named_destinations
    page = next(p for p in original_layout if "Курочкина" in p.text.split())
    assert placed.mark.page == page.number - 1
    name = next(w for w in page.words if w.text == "Курочкина")
    position = next(w for w in page.words if w.text == "Заведующий" and w.y0 >= placed.mark.y0 - 14)
    assert position.x1 < placed.mark.x0 < placed.mark.x1 < name.x0
    assert placed.mark.y0 < name.y1 <= placed.mark.y1 + 2
    # no word comes closer than 2 mm to the frame on its left or right
    beside = [w for w in page.words if w.y1 > placed.mark.y0 and w.y0 < placed.mark.y1]
    assert min(placed.mark.x0 - w.x1 for w in beside if w.x1 <= placed.mark.x0) >= 2 * print_copy.MM
    assert min(w.x0 - placed.mark.x1 for w in beside if w.x0 >= placed.mark.x1) >= 2 * print_copy.MM


def test_without_the_cell_the_mark_takes_the_seals_band_of_the_last_page(sha):
    """A PDF without the anchor (an older template): the band reports/signing.py keeps free for the seal."""
    from weasyprint import HTML

    original = HTML(string=SIGNATURE_PAGE.format(top=240).replace(' id="esign-mark"', "")).write_pdf()
    placed = placement(original)
    assert placed.mark.page == len(placed.page_sizes) - 1 == 1
    height = placed.page_sizes[-1][1]
    assert placed.mark.x0 == signing.STAMP_LEFT_PT
    assert height - placed.mark.y1 == print_copy.MARK_FALLBACK_BOTTOM_PT
    # inside the band the renderer keeps free for the seal: its top no higher than the seal's
    assert height - placed.mark.y0 <= signing.STAMP_BOTTOM_PT + signing.STAMP_HEIGHT_PT
    page = pages(build_print_copy(original, verify_url=VERIFY_URL, sha256=sha, mark=MARK))[-1]
    assert text_in(page, placed.mark) == MARK_TEXT


def test_nothing_is_drawn_over_the_text(original_layout, copy_layout, placed):
    for box in (placed.qr, placed.caption, placed.mark):
        page = original_layout[box.page]
        assert [word.text for word in page.words if meets(word, box)] == [], box
    for number in {placed.qr.page, placed.mark.page}:
        assert overlaps(copy_layout[number]) == [], number


SIGNATURE_PAGE = """<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 20mm 10mm 20mm 30mm; }}
body {{ font-family: "Liberation Serif"; font-size: 14pt; }}
table {{ width: 100%; border-collapse: collapse; margin-top: {top}mm; break-inside: avoid; }}
td {{ padding: 0; vertical-align: bottom; }}
</style></head><body><p>Текст справки.</p><table><tr>
<td>Заведующий отделом образования</td>
<td style="width: 78mm"><div id="esign-mark" style="width: 78mm; height: 26mm"></div></td>
<td style="width: 40mm; text-align: right">Н. А. Кузнецова</td>
</tr></table></body></html>"""


@pytest.mark.parametrize("top", [10, 240])  # on page 1 with the QR code; pushed to page 2
def test_the_mark_goes_into_the_signature_blocks_cell(top, sha):
    from weasyprint import HTML

    original = HTML(string=SIGNATURE_PAGE.format(top=top)).write_pdf()
    placed = placement(original)
    destination = PdfReader(io.BytesIO(original)).named_destinations["esign-mark"]
    height = placed.page_sizes[placed.mark.page][1]
    assert (placed.mark.x0, placed.mark.y0) == (
        pytest.approx(float(destination.left) + 2.5 * print_copy.MM),
        pytest.approx(height - float(destination.top)),
    )
    copy = build_print_copy(original, verify_url=VERIFY_URL, sha256=sha, mark=MARK)
    before, after = pages(original), pages(copy)
    assert len(after) == len(before) == (1 if top == 10 else 2)
    page = after[placed.mark.page]
    assert text_in(page, placed.mark) == MARK_TEXT
    # between the position and the name, on the name's level: the position left of it, the name right of it
    position = [w for w in page.words if w.text == "Заведующий"][0]
    name = [w for w in page.words if w.text == "Кузнецова" and not inside(w, placed.mark)][0]
    assert position.x1 < placed.mark.x0 and name.x0 > placed.mark.x1
    assert placed.mark.y0 < name.y1 <= placed.mark.y1 + 1
    assert overlaps(page) == []
    assert decode_qr(copy, page=1) == [f"{VERIFY_URL}?sha256={sha.upper()}"]


def test_a_long_name_and_serial_still_fit_the_box(sha):
    original = render_pdf(realistic_context(rows=2))
    long = SignatureMark(
        owner="Константинопольская-Преображенская Александра-Мария Вячеславовна",
        certificate_serial="0" + "ABCDEF0123456789" * 3,
        valid_from=datetime.date(2026, 1, 1),
        valid_to=datetime.date(2027, 12, 31),
        signed_at=None,
    )
    placed = placement(original)
    page = pages(build_print_copy(original, verify_url=VERIFY_URL, sha256=sha, mark=long))[placed.mark.page]
    text = text_in(page, placed.mark)
    assert text.replace(" ", "") == (
        "ДОКУМЕНТПОДПИСАНЭЛЕКТРОННОЙПОДПИСЬЮСертификат:0" + "ABCDEF0123456789" * 3 + "Владелец:"
        "Константинопольская-ПреображенскаяАлександра-МарияВячеславовна"
        "Действителенс01.01.2026по31.12.2027"
    )
    # every word of the mark is in the box: none printed below its frame
    in_band = [w for w in page.words if meets(w, placed.mark)]
    assert all(inside(w, placed.mark) for w in in_band)


@pytest.mark.parametrize(
    "url",
    [
        VERIFY_URL,
        "https://shnor.minobr.samregion.example.ru/reports/verify/6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b/",
        "https://"
        + "очень-длинное-имя-сервера." * 3
        + "ru/reports/verify/6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b/",
    ],
)
def test_the_caption_stays_in_the_band_with_a_long_address(url, sha):
    from weasyprint import HTML

    original = HTML(string="<p>Текст справки.</p>").write_pdf()
    placed = placement(original)
    copy = build_print_copy(original, verify_url=url, sha256=sha, mark=MARK)
    first = pages(copy)[0]
    # a one-page PDF without the esign-mark cell: the mark is in the lower band too, the caption keeps right of it
    assert placed.mark.page == 0 and placed.caption.x0 > placed.mark.x1
    assert overlaps(first) == []
    words = [w for w in first.words if meets(w, placed.caption)]
    assert text_in(first, placed.caption).replace(" ", "") == (
        "Копия электронного документа, подписанного электронной подписью. "
        f"Проверка подлинности: отсканируйте QR-код или откройте {url} SHA-256 подписанного файла: {sha}"
    ).replace(" ", "")
    assert all(inside(w, placed.caption) for w in words)
    assert decode_qr(copy, page=1) == [qr_payload(url, sha)]


def test_the_payload_keeps_the_addresses_query_and_refuses_a_bad_digest():
    digest = "ab" * 32
    assert qr_payload("https://shnor.example.ru/reports/verify/x/?lang=ru", digest) == (
        "https://shnor.example.ru/reports/verify/x/?lang=ru&sha256=" + "AB" * 32
    )
    with pytest.raises(ValueError, match="64 шестнадцатеричных цифр"):
        qr_payload(VERIFY_URL, "abc")
    with pytest.raises(ValueError, match="полным адресом"):
        qr_payload("/reports/verify/x/", digest)
