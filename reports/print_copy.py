"""The print copy of a справка signed with the head's КЭП (issue #22 §3): the signed PDF's own pages with the
document's QR code on the first page and the mark of the electronic signature in the signature's place.

The signed original is never altered (it is what the head signed, byte for byte). The print copy is another
file, made after the signature was verified, for the paper: a printed PDF loses its detached signature, so the
paper carries what ГОСТ Р 7.0.97 asks of an electronic document made visible — the mark of the electronic
signature — and the QR code that leads a reader back to the verification page.

What the standards say, and how sure we are (README, «Оформление по ГОСТ Р 7.0.97-2025», has the sources):

* **QR code** — ГОСТ Р 7.0.97-2025 adds requisite 31 «Штрих-код (QR-код) документа»: in the lower right corner
  of the first page; where there is no room, the upper right corner or another place free of text. Confirmed
  from published summaries of the 2025 text (the text itself was not available here; no clause number for the
  size, none for the content). The standard does not fix what the code holds: ours holds the verification page
  of this signature (its identifier is in the address) and the SHA-256 of the signed original, so the page can
  say whether the paper's original is the file the head signed.
* **Mark of the electronic signature** (ГОСТ Р 7.0.97-2016, requisite «подпись», п. 5.23 — the clause as other
  implementations and a legal consultancy cite it; the 2016 text itself was not read here): the phrase
  «Документ подписан электронной подписью», the number of the certificate, the owner's full name, the
  certificate's validity; framed; placed where a handwritten signature would stand, between the position and
  the name (the example of an agency's instruction on делопроизводство, consultant.ru LAW_382536
  п. 3.5.18). The rules of its visualisation (consultant.ru LAW_432519 п. 20 «Отметка об электронной
  подписи»; which act that is was not established here): where a handwritten signature stands; visible and
  readable at natural size; its elements overlap neither each other nor the text. ГОСТ Р 7.0.97-2025 has «new
  requirements to the visualisation» of the mark; their wording was not available here, so the 2016 content
  is kept — not confirmed against the 2025 text.
* **Copy** — no requisite marks a printout of an electronic document as a copy (the «отметка о заверении
  копии» is for certified copies, which this is not); the caption beside the QR code says in plain words that
  the paper is a copy of an electronic document and where the original is checked.

How it is drawn: WeasyPrint lays out one overlay page per page that gets something (the QR code as SVG, the
caption and the mark as text in the справка's own Liberation Serif, embedded and subset, so the text is real
text that can be selected and read by pdftotext), and pypdf merges each overlay page onto its page of the
original and writes the result as an **incremental update**: the print copy begins with the original's bytes
unchanged and only appends the changed pages. Chosen over pyHanko's stamp (which lays text out itself, line by
line, with its font rescaling workaround in reports/signing.py, and cannot wrap a long name) and over drawing
the pages anew (the original's layout would not be the signed one). Everything here is bytes in, bytes out: no
Django, no ORM.

Where things go is decided by :func:`placement` from the original alone:
* the QR code and its caption: the first page's lower margin (30 mm in the справка; at least the 20 mm of
  ГОСТ Р 7.0.97 in any PDF), right corner, the code as large as the margin below the lowest line allows, so
  they cover no text on any справка;
* the mark: the named destination ``esign-mark`` that the PDF template gives the empty middle cell of the
  signature block (templates/reports/pdf/signature.html, a box of ``MARK_WIDTH_MM`` × ``MARK_HEIGHT_MM``; the
  frame stands ``MARK_INSET_MM`` inside it);
  a PDF without it gets the mark in the band that the renderer keeps free at the bottom of the last page for
  the portal's seal (reports/signing.py, ``STAMP_*``).
"""

import datetime
import html
import io
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

MM = 72 / 25.4  # points in a millimetre

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
FONT_REGULAR = FONTS_DIR / "LiberationSerif-Regular.ttf"
FONT_BOLD = FONTS_DIR / "LiberationSerif-Bold.ttf"

# The QR code: a square (the symbol with a quiet zone of QR_BORDER modules) in the lower right corner of page 1
# (requisite 31 of ГОСТ Р 7.0.97-2025), in the lower margin, QR_BOTTOM_MM above the edge: most office printers
# cannot print the outer 3–4 mm of a sheet. The справка gives page 1 a lower margin of 30 mm for it
# (reports/renderers/pdf.py, FIRST_PAGE_MARGIN_BOTTOM_MM), so the square is QR_SIZE_MAX_MM; a PDF rendered before
# that (20 mm, ГОСТ Р 7.0.97-2016 п. 6.1 as quoted, kept by 2025: margins of at least 20 mm at the bottom, 10 mm
# at the right; 30 mm at the left for documents kept over 10 years) gets a smaller one: the band is measured as the
# distance from the edge to page 1's lowest line of text, less QR_TEXT_CLEARANCE_MM for descenders and a table's
# border under it. An address with its SHA-256 (about 150 characters, with a host name of up to ~30) is a version
# 8 symbol (49 modules) at level M: a module of 0.45 mm in the 24 mm square, read by a phone's camera from
# 15–20 cm; 0.3 mm in the 16 mm square of a 20 mm margin (zbarimg reads it from a 250 dpi scan).
QR_BOTTOM_MM = 3.5
QR_SIZE_MAX_MM = 24.0
QR_SIZE_MIN_MM = 16.0  # the 20 mm margin every справка has: 20 − 3.5 − 0.5
QR_TEXT_CLEARANCE_MM = 3.5
QR_GAP_MM = 0.5
QR_RIGHT_MM = 10.0
QR_BORDER = 2  # modules of quiet zone inside the square; the margin around it is empty anyway
# The caption beside the QR code: right-aligned against it, no further left than 20 mm (the smallest left margin
# the standard allows), set small enough that its three lines stay inside the band.
CAPTION_LEFT_MM = 20.0
CAPTION_GAP_MM = 3.0
CAPTION_FONT_SIZES = (7.5, 7.0, 6.5, 6.0)  # the largest at which each line stays one line (a long host name)
CAPTION_LEADING = 1.2

# The mark of the electronic signature: the box the PDF template reserves in the signature block.
MARK_ANCHOR = "esign-mark"
MARK_WIDTH_MM = 78.0
MARK_HEIGHT_MM = 26.0
# The frame stands this far inside the reserved cell on the left and on the right: the position's text runs up to
# the cell's edge, and the frame must not touch it («элементы отметки не должны перекрывать элементы текста»).
MARK_INSET_MM = 2.5
# Without the anchor: the seal's band at the bottom of the last page (reports/signing.py keeps the lowest
# ~115 pt free: STAMP_LEFT_PT = 57, a box up to 112 pt from the edge); a test checks the two agree.
MARK_FALLBACK_LEFT_PT = 57.0
MARK_FALLBACK_BOTTOM_PT = 36.0
# Font sizes tried for the mark's text, largest first, until its lines fit the box (a long name wraps).
MARK_FONT_SIZES = (8.5, 8.0, 7.5, 7.0, 6.5, 6.0)
MARK_PADDING_MM = 1.5
MARK_BORDER_PT = 1.0

MARK_HEADING = ("ДОКУМЕНТ ПОДПИСАН", "ЭЛЕКТРОННОЙ ПОДПИСЬЮ")
CAPTION_COPY = "Копия электронного документа, подписанного электронной подписью."
SUBJECT = "Копия для печати: электронный документ с отметкой об электронной подписи и QR-кодом проверки"


@dataclass(frozen=True)
class SignatureMark:
    """What the mark of the electronic signature prints, from the signer's certificate: its number, its validity
    and its owner are data the certificate itself carries (63-ФЗ ст. 14 and, for a qualified one, ст. 17 — the
    article numbers from memory, not checked against the law's text here)."""

    owner: str  # «Кузнецова Наталья Андреевна»
    certificate_serial: str  # hex, as the certificate's serial number is shown in КриптоПро
    valid_from: datetime.date
    valid_to: datetime.date
    signed_at: datetime.datetime | None = None
    title: str = ""
    organization: str = ""

    def lines(self) -> tuple[str, ...]:
        """The mark's lines after its two-line heading (ГОСТ Р 7.0.97-2016 п. 5.23: certificate, owner,
        validity)."""
        return (
            f"Сертификат: {self.certificate_serial}",
            f"Владелец: {self.owner}",
            f"Действителен с {self.valid_from:%d.%m.%Y} по {self.valid_to:%d.%m.%Y}",
        )


@dataclass(frozen=True)
class Box:
    """A rectangle on a page, in points, from the page's top left corner (as pdftotext reports words)."""

    page: int  # from 0
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(frozen=True)
class Placement:
    qr: Box
    caption: Box
    mark: Box
    page_sizes: tuple[tuple[float, float], ...]  # (width, height) of every page, in points


def qr_payload(verify_url: str, sha256: str) -> str:
    """The QR code's text: the verification address with ``sha256=`` of the signed original added to its query.

    The digest is written in capitals: hex is case-free (the verification page reads either), and capitals are
    QR's alphanumeric mode, 5.5 bits a character instead of 8, which keeps the symbol a version smaller."""
    digest = sha256.strip().upper()
    if len(digest) != 64 or any(char not in "0123456789ABCDEF" for char in digest):
        raise ValueError("SHA-256 подлинника должен состоять из 64 шестнадцатеричных цифр.")
    parts = urlsplit(verify_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("Адрес проверки должен быть полным адресом http(s)://…")
    query = "&".join(filter(None, (parts.query, urlencode({"sha256": digest}))))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _reader(pdf: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(pdf))


def _page_sizes(reader) -> tuple[tuple[float, float], ...]:
    return tuple((float(page.mediabox.width), float(page.mediabox.height)) for page in reader.pages)


def placement(original_pdf: bytes) -> Placement:
    """Where the print copy draws the QR code, its caption and the mark on ``original_pdf``'s pages."""
    reader = _reader(original_pdf)
    sizes = _page_sizes(reader)
    if not sizes:
        raise ValueError("В PDF нет страниц.")
    width, height = sizes[0]
    band = _free_band_mm(reader.pages[0])
    size = min(QR_SIZE_MAX_MM, max(QR_SIZE_MIN_MM, band - QR_BOTTOM_MM - QR_GAP_MM)) * MM
    qr_x1 = width - QR_RIGHT_MM * MM
    qr_y1 = height - QR_BOTTOM_MM * MM
    qr = Box(0, qr_x1 - size, qr_y1 - size, qr_x1, qr_y1)
    mark = _mark_box(reader, sizes)
    left = CAPTION_LEFT_MM * MM
    if mark.page == 0 and mark.y1 > qr.y0:  # a one-page PDF without the anchor: the mark is in the band too
        left = max(left, mark.x1 + CAPTION_GAP_MM * MM)
    caption = Box(0, left, qr.y0, qr.x0 - CAPTION_GAP_MM * MM, qr.y1)
    return Placement(qr=qr, caption=caption, mark=mark, page_sizes=sizes)


def _free_band_mm(page) -> float:
    """How far above the lower edge of ``page`` the text begins (mm): its lowest baseline, less
    QR_TEXT_CLEARANCE_MM. pypdf reports each piece of text with its text and current transformation matrices;
    the baseline's height is the translation of their product."""
    lowest: list[float] = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            lowest.append(tm[4] * cm[1] + tm[5] * cm[3] + cm[5])

    page.extract_text(visitor_text=visit)
    bottom = float(page.mediabox.bottom)
    if not lowest:
        return float("inf")
    return (min(lowest) - bottom) / MM - QR_TEXT_CLEARANCE_MM


def _mark_box(reader, sizes) -> Box:
    """The mark's frame: the reserved cell less MARK_INSET_MM at each side, or the fallback band."""
    destination = reader.named_destinations.get(MARK_ANCHOR)
    box_width, box_height = (MARK_WIDTH_MM - 2 * MARK_INSET_MM) * MM, MARK_HEIGHT_MM * MM
    if destination is not None and destination.left is not None and destination.top is not None:
        page = reader.get_destination_page_number(destination)
        page_height = sizes[page][1]
        left, top = float(destination.left) + MARK_INSET_MM * MM, page_height - float(destination.top)
        return Box(page, left, top, left + box_width, top + box_height)
    page = len(sizes) - 1
    page_height = sizes[page][1]
    bottom = page_height - MARK_FALLBACK_BOTTOM_PT
    return Box(page, MARK_FALLBACK_LEFT_PT, bottom - box_height, MARK_FALLBACK_LEFT_PT + box_width, bottom)


# --------------------------------------------------------------------------- the overlay


def _qr_svg(payload: str, size_pt: float) -> str:
    """The QR code as one SVG path of its dark modules (qrcode's matrix; error correction level M, 15 %: a
    smudge or a fold on paper; the smallest version that holds the payload)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QR_BORDER)
    code.add_data(payload)  # qrcode splits it into modes: the address in bytes, the digest alphanumeric
    code.make(fit=True)
    matrix = code.get_matrix()
    modules = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < modules:
            if row[x]:
                start = x
                while x < modules and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h{start - x}z")
            else:
                x += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size_pt:.3f}pt" height="{size_pt:.3f}pt" '
        f'viewBox="0 0 {modules} {modules}" shape-rendering="crispEdges">'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )


def _wrapped_lines(text: str, size: float, width: float, *, bold: bool = False) -> int:
    """How many lines ``text`` takes at ``size`` pt in ``width`` pt: words wrap; a word wider than the line (a
    certificate's serial) breaks anywhere, as the CSS says."""
    from reports.renderers.charts import text_width

    lines, used = 1, 0.0
    space = text_width(" ", size, bold=bold)
    for word in text.split():
        word_width = text_width(word, size, bold=bold)
        if used and used + space + word_width <= width:
            used += space + word_width
            continue
        if used:
            lines += 1
        while word_width > width:  # broken anywhere: full lines of the word
            lines += 1
            word_width -= width
        used = word_width
    return lines


def _mark_font_size(mark: SignatureMark) -> float:
    """The largest of MARK_FONT_SIZES at which the heading and the lines fit the box (1.15 line height)."""
    inner_width = (MARK_WIDTH_MM - 2 * MARK_INSET_MM - 2 * MARK_PADDING_MM) * MM - 2 * MARK_BORDER_PT - 1
    inner_height = (MARK_HEIGHT_MM - 2 * MARK_PADDING_MM) * MM - 2 * MARK_BORDER_PT
    for size in MARK_FONT_SIZES:
        heading = sum(_wrapped_lines(line, size, inner_width, bold=True) for line in MARK_HEADING)
        body = sum(_wrapped_lines(line, size, inner_width) for line in mark.lines())
        if (heading + body) * size * 1.15 + size * 0.3 <= inner_height:
            return size
    return MARK_FONT_SIZES[-1]


def _style(sizes, pages) -> str:
    page_rules = "\n".join(
        f"@page p{index} {{ size: {sizes[index][0]:.3f}pt {sizes[index][1]:.3f}pt; margin: 0; }}\n"
        f".page-{index} {{ page: p{index}; }}"
        for index in pages
    )
    return f"""
@font-face {{ font-family: "Liberation Serif"; font-weight: normal; src: url("{FONT_REGULAR.as_uri()}"); }}
@font-face {{ font-family: "Liberation Serif"; font-weight: bold; src: url("{FONT_BOLD.as_uri()}"); }}
{page_rules}
html {{ font-family: "Liberation Serif"; color: #000; }}
body {{ margin: 0; }}
.sheet {{ position: relative; height: 1pt; break-after: page; }}
.sheet:last-child {{ break-after: auto; }}
.abs {{ position: absolute; margin: 0; }}
.qr svg {{ display: block; }}
.caption {{
  line-height: {CAPTION_LEADING}; text-align: right; overflow-wrap: anywhere;
}}
.caption p {{ margin: 0; }}
.mark {{
  box-sizing: border-box; border: {MARK_BORDER_PT}pt solid #000; padding: {MARK_PADDING_MM}mm;
  line-height: 1.15; overflow-wrap: anywhere;
  display: flex; flex-direction: column; justify-content: center;
}}
.mark p {{ margin: 0; }}
.mark .heading {{ font-weight: bold; text-align: center; }}
"""


def _abs(box: Box, css_class: str, content: str, extra: str = "") -> str:
    return (
        f'<div class="abs {css_class}" style="left: {box.x0:.3f}pt; top: {box.y0:.3f}pt; '
        f'width: {box.width:.3f}pt; height: {box.height:.3f}pt;{extra}">{content}</div>'
    )


def _caption_html(verify_url: str, sha256: str, box: Box) -> str:
    """Three lines beside the QR code, bottom-aligned with it: what the paper is, how to check it. Set at the
    largest of CAPTION_FONT_SIZES at which no line wraps; a line that wraps even at the smallest adds a line
    upwards (the band has room for five)."""
    lines = (
        CAPTION_COPY,
        f"Проверка подлинности: отсканируйте QR-код или откройте {verify_url}",
        f"SHA-256 подписанного файла: {sha256.lower()}",
    )
    width = box.width - 1  # 1 pt of slack against rounding in the layout
    size = next(
        (
            size
            for size in CAPTION_FONT_SIZES
            if all(_wrapped_lines(line, size, width) == 1 for line in lines)
        ),
        CAPTION_FONT_SIZES[-1],
    )
    count = sum(_wrapped_lines(line, size, width) for line in lines)
    height = count * size * CAPTION_LEADING
    text = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    inner = Box(box.page, box.x0, box.y1 - height, box.x1, box.y1)
    return _abs(inner, "caption", text, f" font-size: {size}pt;")


def _mark_html(mark: SignatureMark, box: Box) -> str:
    size = _mark_font_size(mark)
    heading = "".join(f'<p class="heading">{html.escape(line)}</p>' for line in MARK_HEADING)
    body = "".join(f"<p>{html.escape(line)}</p>" for line in mark.lines())
    return _abs(box, "mark", heading + body, f" font-size: {size}pt;")


def overlay_pdf(
    placed: Placement, *, payload: str, verify_url: str, sha256: str, mark: SignatureMark
) -> bytes:
    """One WeasyPrint page for each page of the original that gets a drawing, in page order."""
    from weasyprint import HTML

    items: dict[int, list[str]] = {}
    qr = placed.qr
    items.setdefault(qr.page, []).append(_abs(qr, "qr", _qr_svg(payload, qr.width)))
    items[qr.page].append(_caption_html(verify_url, sha256, placed.caption))
    items.setdefault(placed.mark.page, []).append(_mark_html(mark, placed.mark))
    pages = sorted(items)
    sheets = "".join(f'<div class="sheet page-{index}">{"".join(items[index])}</div>' for index in pages)
    document = (
        '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">'
        f"<style>{_style(placed.page_sizes, pages)}</style></head><body>{sheets}</body></html>"
    )
    return HTML(string=document, url_fetcher=_fonts_only_fetcher()).write_pdf()


def _fonts_only_fetcher():
    """The overlay loads the two font files and nothing else (the owner's name is escaped text, but a renderer
    that may fetch nothing cannot be made to)."""
    from weasyprint.urls import URLFetcher

    allowed = {FONT_REGULAR.as_uri(), FONT_BOLD.as_uri()}

    class FontsOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url not in allowed:
                raise ValueError(f"Копия для печати не загружает внешние ресурсы: {url[:100]}")
            return super().fetch(url, headers)

    return FontsOnly(allowed_protocols=("file",), allow_redirects=False)


# --------------------------------------------------------------------------- the print copy


def build_print_copy(original_pdf: bytes, *, verify_url: str, sha256: str, mark: SignatureMark) -> bytes:
    """The print copy of a signed PDF: its pages with the QR code (``verify_url`` with ``sha256=``) and its
    caption on page 1 and the mark of the electronic signature in the signature's place. ``original_pdf`` is
    not changed; the result begins with its bytes (an incremental update)."""
    from pypdf import PdfReader, PdfWriter

    payload = qr_payload(verify_url, sha256)
    placed = placement(original_pdf)
    overlay = PdfReader(
        io.BytesIO(overlay_pdf(placed, payload=payload, verify_url=verify_url, sha256=sha256, mark=mark))
    )
    writer = PdfWriter(io.BytesIO(original_pdf), incremental=True)
    # A changed /Info is what makes pypdf repeat it in the update's trailer (it leaves an unchanged one out,
    # and readers then see no title): the subject says what this file is.
    writer.add_metadata({"/Subject": SUBJECT})
    targets = sorted({placed.qr.page, placed.mark.page})
    for overlay_page, page in zip(overlay.pages, targets, strict=True):
        writer.pages[page].merge_page(overlay_page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
