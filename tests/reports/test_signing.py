"""PAdES signing of report PDFs and the verification of signed files (reports/signing.py).

No database: the module is pure. The demo certificate and the signed PDF are made once per module,
since RSA key generation and signing are the slow parts.
"""

import asyncio
import datetime
import io
import os
import random
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
import weasyprint
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from django.test import override_settings
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf.generic import ContentStream

from reports import signing

PASSWORD = "demo-password-1"
SIGNER = "Иванова Мария Петровна"
POSITION = "Начальник управления"
ORGANIZATION = "Управление образования (демо)"


@dataclass(frozen=True)
class Demo:
    p12_path: Path
    p12: bytes
    ca_pem: bytes


@pytest.fixture(scope="module", autouse=True)
def font_cache(tmp_path_factory) -> Path:
    """Each test module gets its own font cache, so the rescaling is exercised rather than inherited."""
    path = tmp_path_factory.mktemp("font-cache")
    with override_settings(REPORTS_FONT_CACHE=str(path)):
        yield path


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:
    path = tmp_path_factory.mktemp("demo-cert") / "signer.p12"
    signing.make_demo_certificate(path, PASSWORD)
    return Demo(p12_path=path, p12=path.read_bytes(), ca_pem=path.with_suffix(".ca.pem").read_bytes())


@pytest.fixture(scope="module")
def other_root(tmp_path_factory) -> bytes:
    """The CA certificate of an unrelated demo identity."""
    path = tmp_path_factory.mktemp("other-cert") / "other.p12"
    signing.make_demo_certificate(path, PASSWORD, common_name="Петров Пётр Петрович", organization="Чужой УЦ")
    return path.with_suffix(".ca.pem").read_bytes()


@pytest.fixture(scope="module")
def pdf() -> bytes:
    # Two pages, so that "the last page" is not trivially the first one.
    html = "<p>Аналитическая справка</p><p style='break-before: page'>Приложение</p>"
    return weasyprint.HTML(string=html).write_pdf()


@pytest.fixture(scope="module")
def signed(pdf, demo) -> bytes:
    return signing.sign_pdf(pdf, pkcs12=demo.p12, password=PASSWORD)


def byte_range(data: bytes) -> tuple[int, int, int, int]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    assert match, "no /ByteRange in the signed file"
    start, first_len, second_start, second_len = (int(g) for g in match.groups())
    return start, first_len, second_start, second_len


def covered(data: bytes, pos: int) -> bool:
    start, first_len, second_start, second_len = byte_range(data)
    return start <= pos < start + first_len or second_start <= pos < second_start + second_len


def replace_byte(data: bytes, pos: int, new: int) -> bytes:
    assert data[pos] != new
    changed = bytearray(data)
    changed[pos] = new
    return bytes(changed)


# --------------------------------------------------------------------------- demo certificate


def test_demo_certificate_is_a_ca_and_a_signing_certificate_in_one_pkcs12(demo):
    key, cert, cas = pkcs12.load_key_and_certificates(demo.p12, PASSWORD.encode())
    assert key is not None and cert is not None
    assert len(cas) == 1
    ca = x509.load_pem_x509_certificate(demo.ca_pem)
    assert cas[0] == ca
    assert cert.issuer == ca.subject
    assert ca.subject == ca.issuer
    ca.public_key().verify(
        cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm
    )

    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert not usage.key_cert_sign

    assert key.key_size == 2048
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert datetime.timedelta(days=5 * 365 - 2) < lifetime <= datetime.timedelta(days=5 * 366)
    assert cert.not_valid_before_utc <= datetime.datetime.now(datetime.UTC)

    names = {a.oid: a.value for a in cert.subject}
    assert names[x509.NameOID.COMMON_NAME] == SIGNER
    assert names[x509.NameOID.ORGANIZATION_NAME] == ORGANIZATION
    assert names[x509.NameOID.TITLE] == POSITION


def test_cyrillic_names_are_utf8strings(demo):
    _key, cert, _cas = pkcs12.load_key_and_certificates(demo.p12, PASSWORD.encode())
    parsed = asn1_x509.Certificate.load(cert.public_bytes(encoding=Encoding.DER))
    kinds = {atv["type"].native: atv["value"].name for rdn in parsed.subject.chosen for atv in rdn}
    assert kinds["common_name"] == "utf8_string"
    assert kinds["organization_name"] == "utf8_string"
    assert kinds["title"] == "utf8_string"


def test_demo_pkcs12_needs_its_password_and_is_private(demo):
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(demo.p12, b"wrong")
    assert demo.p12_path.stat().st_mode & 0o077 == 0
    assert demo.ca_pem.startswith(b"-----BEGIN CERTIFICATE-----")


# --------------------------------------------------------------------------- signing


def test_signing_appends_to_the_original_bytes_and_the_result_reads_strictly(pdf, signed):
    # An incremental update: whatever the original said is still there byte for byte.
    assert signed.startswith(pdf)
    assert len(signed) > len(pdf)
    assert len(pypdf.PdfReader(io.BytesIO(signed), strict=True).pages) == 2
    reader = PdfFileReader(io.BytesIO(signed), strict=True)
    assert len(reader.embedded_regular_signatures) == 1
    sig = reader.embedded_regular_signatures[0]
    assert sig.field_name == "Signature1"
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert sig.sig_object["/Reason"] == "Утверждено"
    assert sig.sig_object["/Name"] == SIGNER
    assert "/Location" not in sig.sig_object
    assert sig.md_algorithm == "sha256"


def test_wrong_password_is_reported_as_a_configuration_problem(pdf, demo):
    with pytest.raises(signing.SigningNotConfigured, match="пароль"):
        signing.sign_pdf(pdf, pkcs12=demo.p12, password="wrong")


def test_reason_and_location_go_into_the_signature(pdf, demo):
    signed = signing.sign_pdf(
        pdf,
        pkcs12=demo.p12,
        password=PASSWORD,
        reason="Согласовано",
        location="г. Ростов-на-Дону",
    )
    sig = PdfFileReader(io.BytesIO(signed)).embedded_regular_signatures[0]
    assert sig.sig_object["/Reason"] == "Согласовано"
    assert sig.sig_object["/Location"] == "г. Ростов-на-Дону"
    details = signing.verify_pdf(signed, trust_roots=[demo.ca_pem]).details
    assert "Основание: Согласовано" in details
    assert "Место подписания: г. Ростов-на-Дону" in details


# --------------------------------------------------------------------------- the visible stamp
#
# pypdf's extract_text() reads the page content only, not annotation appearances, so the stamp's text
# is decoded here from the widget's appearance stream through the embedded font's ToUnicode CMap.


def parse_to_unicode(cmap: bytes) -> dict[int, str]:
    text = cmap.decode("latin-1")
    mapping: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            mapping[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for low, high, dst in re.findall(
            r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)", block
        ):
            low, high = int(low, 16), int(high, 16)
            if dst.startswith("["):
                for offset, item in enumerate(re.findall(r"<([0-9a-fA-F]+)>", dst)):
                    mapping[low + offset] = bytes.fromhex(item).decode("utf-16-be")
            else:
                first = int(dst[1:-1], 16)
                for offset in range(high - low + 1):
                    mapping[low + offset] = chr(first + offset)
    return mapping


def raw_bytes(item) -> bytes:
    return item.original_bytes if hasattr(item, "original_bytes") else bytes(item)


@dataclass
class StampText:
    lines: list[str]  # decoded from the glyph codes through ToUnicode
    actual_text: list[str]  # pyHanko's /ActualText spans
    fonts: list  # the font dictionaries used


def read_stamp(form, reader: pypdf.PdfReader) -> StampText:
    result = StampText(lines=[], actual_text=[], fonts=[])
    resources = form.get("/Resources", {})
    fonts = {name: font.get_object() for name, font in resources.get("/Font", {}).items()}
    current = None
    for operands, operator in ContentStream(form, reader).operations:
        if operator == b"Tf":
            current = fonts[operands[0]]
            result.fonts.append(current)
        elif operator in (b"TJ", b"Tj"):
            items = operands[0] if operator == b"TJ" else [operands[0]]
            codes = b"".join(raw_bytes(item) for item in items if not isinstance(item, int | float))
            cmap = parse_to_unicode(current["/ToUnicode"].get_object().get_data())
            # Identity-H: two bytes per glyph.
            cids = [int.from_bytes(codes[i : i + 2], "big") for i in range(0, len(codes), 2)]
            result.lines.append("".join(cmap[cid] for cid in cids))
        elif operator == b"BDC" and isinstance(operands[1], dict) and "/ActualText" in operands[1]:
            result.actual_text.append(str(operands[1]["/ActualText"]))
        elif operator == b"Do":
            nested = read_stamp(resources["/XObject"][operands[0]].get_object(), reader)
            result.lines += nested.lines
            result.actual_text += nested.actual_text
            result.fonts += nested.fonts
    return result


def signature_widget(reader: pypdf.PdfReader, page_index: int):
    for annot in reader.pages[page_index].get("/Annots", []):
        annot = annot.get_object()
        if annot.get("/FT") == "/Sig":
            return annot
    return None


@pytest.fixture(scope="module")
def stamp(signed):
    reader = pypdf.PdfReader(io.BytesIO(signed))
    widget = signature_widget(reader, -1)
    assert widget is not None, "the signature widget is not on the last page"
    appearance = widget["/AP"]["/N"].get_object()
    return widget, appearance, read_stamp(appearance, reader)


def test_stamp_is_a_visible_widget_at_the_bottom_left_of_the_last_page(signed, stamp):
    reader = pypdf.PdfReader(io.BytesIO(signed))
    assert signature_widget(reader, 0) is None
    widget, appearance, _text = stamp
    assert widget["/T"] == "Signature1"
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    assert (x2 - x1, y2 - y1) == (signing.STAMP_WIDTH_PT, signing.STAMP_HEIGHT_PT)
    page_height = float(reader.pages[-1].mediabox.height)
    assert 0 < x1 < 100 and 0 < y1 and y2 < page_height / 4  # bottom-left
    assert int(widget["/F"]) & 4  # "print": the stamp is printed with the page
    assert appearance.get_data().strip()


def test_stamp_text_is_cyrillic_and_complete(stamp):
    _widget, _appearance, text = stamp
    assert text.lines[:3] == ["Печать портала: файл не изменён", f"Утвердил: {SIGNER}", POSITION]
    assert re.fullmatch(r"\d\d\.\d\d\.20\d\d \d\d:\d\d МСК", text.lines[3])
    assert len(text.lines) == 4
    # The /ActualText spans (what a reader copies to the clipboard) say the same.
    assert text.actual_text == text.lines


def test_stamp_time_is_the_signing_time_in_moscow(signed, demo, stamp):
    _widget, _appearance, text = stamp
    verification = signing.verify_pdf(signed, trust_roots=[demo.ca_pem])
    shown = datetime.datetime.strptime(text.lines[3], "%d.%m.%Y %H:%M МСК").replace(tzinfo=signing.MOSCOW)
    # The stamp's minute is taken a moment before the signature's own time.
    assert datetime.timedelta(0) <= verification.signed_at - shown < datetime.timedelta(minutes=2)


def test_stamp_font_is_embedded_and_rescaled_to_1000_units(stamp):
    _widget, _appearance, text = stamp
    font = text.fonts[0]
    assert font["/Subtype"] == "/Type0"
    assert font["/Encoding"] == "/Identity-H"
    cid_font = font["/DescendantFonts"][0].get_object()
    font_file = cid_font["/FontDescriptor"]["/FontFile2"].get_object().get_data()
    embedded = TTFont(io.BytesIO(font_file))
    assert embedded["head"].unitsPerEm == 1000

    # The advance widths declared to PDF readers are the 1000-unit ones: with the original 2048-unit
    # font they came out about twice too wide, which is what made the stamp letter-spaced and clipped.
    rescaled = TTFont(signing.stamp_font_path())
    order = rescaled.getGlyphOrder()
    widths = cid_font["/W"]
    checked = 0
    i = 0
    while i < len(widths):
        first, rest = int(widths[i]), widths[i + 1]
        if isinstance(rest, list):
            for offset, width in enumerate(rest):
                assert abs(float(width) - rescaled["hmtx"][order[first + offset]][0]) <= 1
                checked += 1
            i += 2
        else:
            last, width = int(rest), float(widths[i + 2])
            for cid in range(first, last + 1):
                assert abs(width - rescaled["hmtx"][order[cid]][0]) <= 1
                checked += 1
            i += 3
    assert checked > 10
    space = rescaled.getBestCmap()[ord(" ")]
    assert rescaled["hmtx"][space][0] == 250  # Liberation Serif's space, 512/2048 of an em


def test_long_names_are_shrunk_into_the_box(pdf, tmp_path):
    # A certificate's commonName holds at most 64 bytes (RFC 5280 ub-common-name, counted in UTF-8 by
    # cryptography): 32 Cyrillic letters; the position (title) may be longer.
    long_name = "Преображенская Алла Вячеславовна"
    long_position = "Заместитель начальника управления образования администрации муниципального района"
    path = tmp_path / "long.p12"
    signing.make_demo_certificate(path, PASSWORD, common_name=long_name, title=long_position)
    signed = signing.sign_pdf(pdf, pkcs12=path.read_bytes(), password=PASSWORD)
    reader = pypdf.PdfReader(io.BytesIO(signed))
    appearance = signature_widget(reader, -1)["/AP"]["/N"].get_object()
    # «Утвердил: …» since the seal says it is the portal's, not the head's signature (#22 §1)
    assert read_stamp(appearance, reader).lines[1:3] == [f"Утвердил: {long_name}", long_position]
    # SHRINK_TO_FIT scales the text block down (a "cm" with a factor below 1) instead of clipping it.
    scales = [
        float(operands[0])
        for operands, operator in ContentStream(appearance, reader).operations
        if operator == b"cm" and float(operands[1]) == 0 and float(operands[2]) == 0
    ]
    assert any(0 < scale < 1 for scale in scales)
    assert signing.verify_pdf(signed, trust_roots=[path.with_suffix(".ca.pem").read_bytes()]).ok


# --------------------------------------------------------------------------- font cache


def test_font_cache_holds_the_rescaled_font_once(font_cache):
    path = signing.stamp_font_path()
    assert path.parent == font_cache
    assert TTFont(path)["head"].unitsPerEm == 1000
    assert TTFont(signing.FONT_PATH)["head"].unitsPerEm == 2048  # the repo's font is left alone
    mtime = path.stat().st_mtime_ns
    assert signing.stamp_font_path() == path
    assert path.stat().st_mtime_ns == mtime  # not rewritten
    assert not [p for p in font_cache.iterdir() if p.suffix == ".tmp"]


def test_font_cache_is_keyed_by_the_source_file(tmp_path, settings):
    settings.REPORTS_FONT_CACHE = str(tmp_path / "cache")
    source = tmp_path / "Stamp.ttf"
    shutil.copyfile(signing.FONT_PATH, source)
    first = signing.stamp_font_path(source)
    os.utime(source, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns + 10**9))
    second = signing.stamp_font_path(source)
    assert first != second
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == sorted([first.name, second.name])


def test_font_cache_defaults_to_the_temp_directory(tmp_path, settings, monkeypatch):
    settings.REPORTS_FONT_CACHE = ""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    path = signing.stamp_font_path()
    assert path.parent == tmp_path / "shnor-fonts"
    assert TTFont(path)["head"].unitsPerEm == 1000


# --------------------------------------------------------------------------- verification


def test_good_signature_is_valid_and_trusted(signed, demo):
    result = signing.verify_pdf(signed, trust_roots=[demo.ca_pem])
    assert result.signed and result.intact and result.valid and result.trusted
    assert result.covers_whole_file
    assert result.ok
    assert result.signer == SIGNER
    assert result.organization == ORGANIZATION
    assert result.signed_at is not None
    # The portal's seal, not a person's signature (#22): named so, with the time it was put.
    assert result.summary == f"Печать портала: файл не изменён с {signing.format_moscow(result.signed_at)}"
    assert result.signed_at.tzinfo == signing.MOSCOW
    assert abs(datetime.datetime.now(datetime.UTC) - result.signed_at) < datetime.timedelta(minutes=10)
    assert f"Должность: {POSITION}" in result.details
    assert "Подпись относится ко всему файлу: после подписания в него ничего не дописано." in result.details
    assert "Вид подписи: RSA, хэш-функция SHA-256" in result.details
    assert "Подпись верна: да" in result.details
    assert not any("математически" in line or "sha256_rsa" in line for line in result.details)
    assert result.algorithm == "RSA, хэш-функция SHA-256"
    assert result.issuer == signing.DEMO_CA_NAME
    assert result.problems == ()
    ca = x509.load_pem_x509_certificate(demo.ca_pem)
    assert result.not_after is not None and result.not_after <= ca.not_valid_after_utc
    assert result.serial == result.serial.upper() and int(result.serial, 16) > 0


def test_gost_roots_are_left_to_the_kep_verifier(signed, demo, gost_pki):
    """A ГОСТ root among the roots (TrustedRoot holds both kinds) is skipped by the seal's verifier, not a crash."""
    result = signing.verify_pdf(signed, trust_roots=[gost_pki.root.cert_pem, demo.ca_pem])
    assert (result.ok, result.trusted) == (True, True)
    assert signing.verify_pdf(signed, trust_roots=[gost_pki.root.cert_der]).trusted is False


def test_verification_accepts_der_roots_and_pem_bundles(signed, demo, other_root):
    der = x509.load_pem_x509_certificate(demo.ca_pem).public_bytes(encoding=Encoding.DER)
    assert signing.verify_pdf(signed, trust_roots=[der]).trusted
    assert signing.verify_pdf(signed, trust_roots=[other_root + demo.ca_pem]).trusted


def _content_position(signed: bytes, original: bytes) -> int:
    # Inside the first stream of the original file (WeasyPrint's compressed page content).
    pos = signed.index(b"stream\n") + len(b"stream\n") + 20
    assert pos < len(original)
    return pos


def _stamp_position(signed: bytes, original: bytes) -> int:
    # A glyph code of the stamp's appearance stream: part of the signed incremental update.
    pos = re.search(rb"\] TJ", signed[len(original) :]).start() + len(original) - 3
    return pos


def _after_gap_position(signed: bytes, original: bytes) -> int:
    # A digit of the /M date in the signature dictionary, which pyHanko writes after /Contents.
    _start, _first_len, second_start, _second_len = byte_range(signed)
    match = re.compile(rb"/M \(D.{4,}?(\d)").search(signed, second_start)
    return match.start(1)


@pytest.mark.parametrize(
    "locate",
    [_content_position, _stamp_position, _after_gap_position],
    ids=["original-page-content", "stamp-appearance", "signature-dictionary-after-the-gap"],
)
def test_changing_any_signed_byte_is_detected(signed, pdf, demo, locate):
    pos = locate(signed, pdf)
    assert covered(signed, pos)
    new = ord("7") if signed[pos] != ord("7") else ord("8")
    result = signing.verify_pdf(replace_byte(signed, pos, new), trust_roots=[demo.ca_pem])
    assert result.signed
    assert not result.intact
    assert not result.trusted
    assert not result.ok
    assert result.summary == "Документ изменён после подписания"


def test_damaged_signature_value_is_invalid(signed, demo):
    _start, first_len, second_start, _second_len = byte_range(signed)
    contents = signed[first_len + 1 : second_start - 1]  # the hex between < and >
    # The DER signature container is padded with zeros; its last bytes are the RSA signature itself.
    pos = first_len + 1 + len(contents.rstrip(b"0")) - 1
    assert not covered(signed, pos)
    result = signing.verify_pdf(replace_byte(signed, pos, ord("0")), trust_roots=[demo.ca_pem])
    assert result.signed
    assert result.intact  # the document bytes are untouched...
    assert not result.valid  # ...but the signature over them no longer checks out
    assert not result.ok
    assert result.summary == "Подпись недействительна: она не соответствует сертификату, указанному в ней"


def test_bytes_appended_after_the_signature_are_reported(signed, demo):
    result = signing.verify_pdf(signed + b"\n% appended after signing\n", trust_roots=[demo.ca_pem])
    assert result.signed and result.intact and result.valid
    assert not result.covers_whole_file
    assert not result.ok
    assert result.summary.startswith("После подписания в документ добавлены данные")


def test_a_later_incremental_update_is_reported(signed, demo):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    result = signing.verify_pdf(out.getvalue(), trust_roots=[demo.ca_pem])
    assert result.intact and result.valid
    assert not result.covers_whole_file
    assert not result.ok
    assert result.summary.startswith("После подписания в документ добавлены данные")


@pytest.mark.parametrize("roots", ["other", "none"])
def test_unknown_issuer_is_untrusted_but_intact(signed, other_root, roots):
    trust_roots = [other_root] if roots == "other" else []
    result = signing.verify_pdf(signed, trust_roots=trust_roots)
    assert result.signed and result.intact and result.valid and result.covers_whole_file
    assert not result.trusted
    assert not result.ok
    assert result.signer == SIGNER
    assert result.summary == "Подпись верна, но сертификат не выдан доверенным удостоверяющим центром"
    assert any("не найдена цепочка" in line for line in result.details)
    assert result.problems == (
        "Сертификат не выдан доверенным удостоверяющим центром: не найдена цепочка до доверенного "
        "удостоверяющего центра.",
    )


def test_unsigned_pdf(pdf, demo):
    result = signing.verify_pdf(pdf, trust_roots=[demo.ca_pem])
    assert not result.signed
    assert not result.ok
    assert result.summary == "Документ не подписан"


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage bytes, not a document", b"PK\x03\x04" + b"\x00" * 100, "Привет".encode()],
    ids=["empty", "text", "zip", "cyrillic-text"],
)
def test_not_a_pdf(data, demo):
    result = signing.verify_pdf(data, trust_roots=[demo.ca_pem])
    assert not result.signed
    assert not result.ok
    assert result.summary == "Файл не является PDF-документом"


@pytest.mark.parametrize("cut", [3, 2])
def test_truncated_pdf_is_reported_as_damaged(signed, demo, cut):
    result = signing.verify_pdf(signed[: len(signed) // cut], trust_roots=[demo.ca_pem])
    assert not result.signed
    assert not result.ok
    assert result.summary.startswith("Файл повреждён")


def test_random_damage_never_passes_and_never_raises(signed, demo):
    """Seeded fuzzing: single-byte flips, insertions and deletions inside the signed ranges. Found
    zlib.error escaping pyHanko's reader, which is why verify_pdf catches broadly."""
    start, first_len, second_start, second_len = byte_range(signed)
    positions = [*range(start, start + first_len), *range(second_start, second_start + second_len)]
    rng = random.Random(20260101)
    verdicts = set()
    for _ in range(60):
        damaged = bytearray(signed)
        pos = rng.choice(positions)
        mode = rng.choice(["flip", "insert", "delete"])
        if mode == "flip":
            damaged[pos] ^= 1 << rng.randrange(8)
        elif mode == "insert":
            damaged[pos:pos] = bytes([rng.randrange(256)])
        else:
            del damaged[pos]
        result = signing.verify_pdf(bytes(damaged), trust_roots=[demo.ca_pem])
        assert not result.ok, (mode, pos)
        verdicts.add(result.summary)
    assert "Документ изменён после подписания" in verdicts


def test_verify_pdf_refuses_to_run_inside_an_event_loop(signed, demo):
    # pyHanko's validate_pdf_signature calls asyncio.run(); inside a loop that would fail and look
    # like a damaged signature, so verify_pdf says so plainly instead.
    async def from_async_code():
        return signing.verify_pdf(signed, trust_roots=[demo.ca_pem])

    with pytest.raises(RuntimeError, match="sync_to_async"):
        asyncio.run(from_async_code())


def test_a_damaged_trust_root_is_a_configuration_error(signed):
    with pytest.raises(ValueError, match="Корневой сертификат №1"):
        signing.verify_pdf(signed, trust_roots=[b"not a certificate"])


# --------------------------------------------------------------------------- settings


@pytest.mark.parametrize("value", ["", None])
def test_signer_from_settings_requires_a_path(settings, value):
    settings.REPORTS_SIGNING_PKCS12 = value
    with pytest.raises(signing.SigningNotConfigured, match="не настроена"):
        signing.signer_from_settings()


def test_signer_from_settings_without_the_setting(settings):
    if hasattr(settings, "REPORTS_SIGNING_PKCS12"):
        del settings.REPORTS_SIGNING_PKCS12
    with pytest.raises(signing.SigningNotConfigured):
        signing.signer_from_settings()


def test_signer_from_settings_with_a_missing_file(settings, tmp_path):
    settings.REPORTS_SIGNING_PKCS12 = str(tmp_path / "absent.p12")
    with pytest.raises(signing.SigningNotConfigured, match="absent.p12"):
        signing.signer_from_settings()


def test_settings_round_trip(settings, demo, pdf):
    settings.REPORTS_SIGNING_PKCS12 = str(demo.p12_path)
    settings.REPORTS_SIGNING_PASSWORD = PASSWORD
    settings.REPORTS_TRUST_ROOTS = [str(demo.p12_path.with_suffix(".ca.pem"))]
    pkcs12_bytes, password = signing.signer_from_settings()
    assert (pkcs12_bytes, password) == (demo.p12, PASSWORD)
    roots = signing.trust_roots_from_settings()
    assert roots == [demo.ca_pem]
    signed = signing.sign_pdf(pdf, pkcs12=pkcs12_bytes, password=password)
    assert signing.verify_pdf(signed, trust_roots=roots).ok


def test_trust_roots_from_settings_missing_file(settings, tmp_path):
    settings.REPORTS_TRUST_ROOTS = [str(tmp_path / "absent.pem")]
    with pytest.raises(signing.SigningNotConfigured, match="absent.pem"):
        signing.trust_roots_from_settings()


def test_trust_roots_from_settings_unset(settings):
    if hasattr(settings, "REPORTS_TRUST_ROOTS"):
        del settings.REPORTS_TRUST_ROOTS
    assert signing.trust_roots_from_settings() == []
