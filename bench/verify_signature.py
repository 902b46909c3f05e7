"""Benchmark: verification of the head's КЭП on a 20-page справка (issue #22: ≤ 1 s).

Renders a 20-page PDF with WeasyPrint (tables and text in the справка's fonts), makes the test PKI of
tests/reports/gost_pki.py (OpenSSL's GOST engine: root → УЦ → head), signs the PDF detached with a 256-bit and a
512-bit head key, and times ``reports.cades.verify_detached`` — the first call in the process (cold: the GOST
provider is loaded, the curves are built, the УЦ's certificate is checked) and the median of the following calls
(warm: the УЦ's certificate signature is cached) — beside baselines measured in the same run on the same bytes:
SHA-256 (hashlib), Streebog-256 through OpenSSL's provider and in pure Python (gostcrypto), and OpenSSL's own
``openssl cms -verify`` (a process of its own, so its start-up is in it; ``openssl version`` is timed too).

    .venv/bin/python bench/verify_signature.py [--runs 5]
"""

import argparse
import hashlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_SECONDS = 1.0
OPENSSL = shutil.which("openssl") or "openssl"


def twenty_pages() -> bytes:
    import weasyprint

    rows = "".join(
        f"<tr><td>{n}</td><td>МБОУ «Средняя общеобразовательная школа № {n}»</td><td>{n % 7 + 2},{n % 10}</td>"
        f"<td>{(n * 37) % 100} %</td><td>{'да' if n % 3 else 'нет'}</td></tr>"
        for n in range(1, 26)
    )
    text = "Показатели школ рассчитаны по результатам ВПР, ОГЭ и ЕГЭ за четыре года. " * 6
    bars = "".join(
        f'<rect x="{20 + i * 30}" y="{150 - (i * 13) % 120}" width="20" height="{(i * 13) % 120}" fill="#4a7ab5"/>'
        for i in range(20)
    )
    chart = f'<svg width="640" height="160" xmlns="http://www.w3.org/2000/svg">{bars}</svg>'
    section = (
        f"<h2>Раздел</h2>{chart}<p>{text}</p><table border=1 cellspacing=0><thead><tr><th>№</th><th>Школа</th>"
        f"<th>Средний балл</th><th>Доля</th><th>ШНОР</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    html = (
        "<html><head><style>@page{size:A4;margin:2cm} body{font-family:'Liberation Serif';font-size:12pt}"
        "h2{break-before:page}</style></head><body><h1>Аналитическая справка</h1>"
        + section * 19
        + "</body></html>"
    )
    document = weasyprint.HTML(string=html).render()
    pages = len(document.pages)
    return document.write_pdf(), pages


def timed(function, runs: int) -> tuple[float, float]:
    """(first call, median of the next ``runs``) in seconds."""
    start = time.perf_counter()
    function()
    first = time.perf_counter() - start
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return first, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from reports import cades
    from tests.reports import gost_pki

    if not gost_pki.openssl_available():
        sys.exit(
            "OpenSSL с GOST-движком недоступен: установите libengine-gost-openssl (scripts/system-deps.sh)."
        )
    pdf, pages = twenty_pages()
    print(f"PDF: {pages} pages, {len(pdf) / 1024:.0f} KB")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        results = {}
        for bits in (256, 512):
            pki = gost_pki.make_pki(tmp / f"pki{bits}", bits=bits)
            signature = gost_pki.sign_detached(pki.head, pdf, tmp_path=tmp / f"sig{bits}")

            def verify(pki=pki, signature=signature):
                verdict = cades.verify_detached(pdf, signature, trust_roots=pki.trust_roots)
                if not verdict.ok:
                    raise SystemExit(f"verification failed: {verdict.problems}")

            cold, warm = timed(verify, args.runs)
            if bits == 256:
                verify_256 = verify
            results[bits] = (cold, warm)

            def openssl_verify(pki=pki, signature=signature, bits=bits):
                if not gost_pki.openssl_verify(signature, pdf, pki=pki, tmp_path=tmp / f"ov{bits}"):
                    raise SystemExit("openssl cms -verify failed")

            ossl_first, ossl = timed(openssl_verify, args.runs)
            print(
                f"ГОСТ Р 34.10-2012, {bits} бит: verify_detached cold {cold * 1000:.0f} ms, warm {warm * 1000:.0f} ms"
                f" | openssl cms -verify {ossl * 1000:.0f} ms (whole process)"
            )
        _, sha = timed(lambda: hashlib.sha256(pdf).digest(), args.runs)
        _, streebog = timed(lambda: cades.streebog256(pdf), args.runs)
        part = pdf[: 64 * 1024]
        _, pure = timed(lambda: cades.streebog256(part, pure=True), 1)
        _, startup = timed(lambda: subprocess.run([OPENSSL, "version"], capture_output=True, check=True), 3)  # noqa: S603
        print(
            f"baselines: SHA-256 {sha * 1000:.1f} ms; Streebog-256 (OpenSSL provider: "
            f"{cades.streebog_available_in_openssl()}) {streebog * 1000:.1f} ms; Streebog-256 pure Python "
            f"{pure * len(pdf) / len(part) * 1000:.0f} ms (extrapolated from 64 KB); `openssl version` {startup * 1000:.0f} ms"
        )
        # Without the provider (no libengine-gost-openssl): Streebog falls back to gostcrypto.
        lib, cades._openssl._lib = cades._openssl._lib, None
        try:
            _, fallback = timed(verify_256, 1)
        finally:
            cades._openssl._lib = lib
        print(f"fallback without the GOST provider (pure-Python Streebog), 256 бит: {fallback * 1000:.0f} ms")
        worst = max(max(pair) for pair in results.values())
        print(
            f"goal ≤ {GOAL_SECONDS:.0f} s: {'met' if worst <= GOAL_SECONDS else 'NOT met'} (worst {worst * 1000:.0f} ms)"
        )


if __name__ == "__main__":
    main()
