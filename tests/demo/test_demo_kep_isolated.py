"""demo/kep.py signs on its own (review of #22): the signed attribute signingCertificateV2 is named
«signing_certificate_v2», which asn1crypto knows only once asn1crypto.tsp is imported; the module imports it
itself, so a process that imports nothing but demo.kep (no Django, no pyHanko) signs."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from asn1crypto import cms
before = cms.CMSAttributeType._map.get("1.2.840.113549.1.9.16.2.47")
from demo import kep
head = kep.DemoHead(surname="Курочкина", given_names="Наталья Александровна", title="Заведующий",
                    organization="Отдел образования", snils="12345678964")
pki = kep.make_pki(head)
der = kep.sign_detached(b"%PDF-1.7 demo", cert_der=pki.head_der, private=pki.head_key)
info = cms.ContentInfo.load(der)
attrs = info["content"]["signer_infos"][0]["signed_attrs"]
print(before)
print(cms.CMSAttributeType._map["1.2.840.113549.1.9.16.2.47"])
print([attr["type"].dotted for attr in attrs])
print(sorted(name for name in sys.modules if name.split(".")[0] in ("django", "pyhanko")))
"""


def test_the_demo_signer_works_with_nothing_else_imported():
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}  # no DJANGO_SETTINGS_MODULE
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        "None",  # a fresh process: asn1crypto alone does not know the attribute
        "signing_certificate_v2",
        "['1.2.840.113549.1.9.3', '1.2.840.113549.1.9.5', '1.2.840.113549.1.9.4', '1.2.840.113549.1.9.16.2.47']",
        "[]",
    ]
