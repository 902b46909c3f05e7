"""A GOST test PKI made by OpenSSL's GOST engine (Debian ``libengine-gost-openssl``): an implementation
independent of the verifier under test (reports.cades: gostcrypto + asn1crypto).

    root «Тестовый головной УЦ» (ГОСТ 2012/256, self-signed)
      └─ ca «Тестовый УЦ Федерального казначейства» (intermediate, 256)
           ├─ head     Кузнецова Наталья Андреевна, СНИЛС, ИНН, заведующий отделом образования (256 or 512)
           ├─ expired  a certificate whose validity ended before the signing
           ├─ future   a certificate whose validity starts after the signing
           └─ unfit    keyUsage keyEncipherment only
    head └─ forged     «issued» by the head's end-entity certificate (not a CA)
    stranger_root «Чужой УЦ» └─ stranger

Every OpenSSL call gets a private OPENSSL_CONF (the engine section below), never the machine's global one.
The CMS signature is ``openssl cms -sign -binary -md md_gost12_256|512`` without ``-nodetach``: detached
CAdES-BES with contentType, signingTime and messageDigest (and signingCertificateV2 with ``-cades``).
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

from reports.cades import CertificateInfo, parse_certificate

ENGINE_CONF = """\
openssl_conf = openssl_def
[openssl_def]
engines = engine_section
[engine_section]
gost = gost_section
[gost_section]
engine_id = gost
default_algorithms = ALL
"""

CA_CONF = """\
[ca]
default_ca = ca_default
[ca_default]
dir = {dir}
database = $dir/index.txt
new_certs_dir = $dir/certs
serial = $dir/serial
default_md = {md}
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[policy_any]
commonName = supplied
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_encipher]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_user]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection,1.3.6.1.5.5.7.3.2
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""

HEAD_NAME = ("Кузнецова", "Наталья Андреевна")
HEAD_SNILS = "11223344595"  # a valid СНИЛС checksum (95)
HEAD_INN = "771234567897"
HEAD_TITLE = "Заведующий отделом образования"
HEAD_ORGANIZATION = "Отдел образования администрации Тестового района"
# The head's signer as a verdict's JSON gives it (cades.Verdict.as_json, verify_signature --json, the API).
HEAD_SIGNER_JSON = {
    "name": "Кузнецова Наталья Андреевна",
    "snils": "11223344595",
    "inn": "771234567897",
    "title": "Заведующий отделом образования",
    "organization": "Отдел образования администрации Тестового района",
}


def certificate_json(info: CertificateInfo, *, issuer: str, iso=lambda moment: moment.isoformat()) -> dict:
    """A certificate as a verdict's JSON gives it, its dates written by ``iso`` (the API: in the portal's zone)."""
    return {
        "serial": info.serial,
        "issuer": issuer,
        "not_before": iso(info.not_before),
        "not_after": iso(info.not_after),
    }


def _env(conf: Path) -> dict[str, str]:
    return {**os.environ, "OPENSSL_CONF": str(conf)}


def _run(args: list[str], *, conf: Path, cwd: Path, data: bytes | None = None) -> bytes:
    result = subprocess.run(
        ["openssl", *args], input=data, capture_output=True, env=_env(conf), cwd=cwd, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args[:2])}: {result.stderr.decode(errors='replace')}")
    return result.stdout


def openssl_available() -> bool:
    """Whether the openssl binary with the GOST engine can make a 256-bit key (a private config, in a temp dir)."""
    if shutil.which("openssl") is None:
        return False
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "gost.cnf"
        conf.write_text(ENGINE_CONF)
        try:
            _run(
                ["genpkey", "-engine", "gost", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A"],
                conf=conf,
                cwd=Path(tmp),
            )
        except (RuntimeError, OSError):
            return False
    return True


@dataclass
class Identity:
    cert_der: bytes
    cert_pem: bytes
    key_pem: bytes
    info: CertificateInfo
    cert_path: Path
    key_path: Path
    bits: int = 256
    issuers: tuple[Identity, ...] = ()  # the CA certificates above it, root excluded (what a CMS carries)
    is_root: bool = False


@dataclass
class Pki:
    dir: Path
    conf: Path  # the private OPENSSL_CONF
    root: Identity  # the trust root
    ca: Identity  # the intermediate that issues the people's certificates
    head: Identity
    stranger_root: Identity
    stranger: Identity
    expired: Identity
    future: Identity
    forged: Identity  # issued by the head's own (end-entity) certificate: not a CA
    unfit: Identity  # keyUsage keyEncipherment only: not for signing documents

    @property
    def ca_cert(self) -> bytes:  # the contract's name: the trust root's DER
        return self.root.cert_der

    @property
    def ca_pem(self) -> bytes:
        return self.root.cert_pem

    @property
    def trust_roots(self) -> list[bytes]:
        return [self.root.cert_der]


def _subject(
    cn: str, *, surname: str = "", given: str = "", title: str = "", org: str = "", extra: str = ""
) -> str:
    parts = ["/C=RU"]
    if org:
        parts.append(f"/O={org}")
    if title:
        parts.append(f"/title={title}")
    if surname:
        parts.append(f"/SN={surname}")
    if given:
        parts.append(f"/GN={given}")
    parts.append(f"/CN={cn}")
    return "".join(parts) + extra


class _Maker:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.conf = self.dir / "gost.cnf"
        self.conf.write_text(ENGINE_CONF)
        self._count = 0

    def run(self, *args: str, data: bytes | None = None) -> bytes:
        return _run(list(args), conf=self.conf, cwd=self.dir, data=data)

    def key(self, name: str, bits: int, paramset: str) -> Path:
        path = self.dir / f"{name}.key"
        self.run(
            "genpkey", "-engine", "gost", "-algorithm", f"gost2012_{bits}", "-pkeyopt", f"paramset:{paramset}",
            "-out", str(path),
        )  # fmt: skip
        return path

    def identity(
        self, name: str, cert: Path, key: Path, bits: int, issuer: Identity | None = None
    ) -> Identity:
        der = self.run("x509", "-in", str(cert), "-outform", "DER")
        return Identity(
            cert_der=der,
            cert_pem=cert.read_bytes(),
            key_pem=key.read_bytes(),
            info=parse_certificate(der),
            cert_path=cert,
            key_path=key,
            bits=bits,
            issuers=() if issuer is None or issuer.is_root else (issuer, *issuer.issuers),
            is_root=issuer is None,
        )

    def root(self, name: str, cn: str, *, days: int = 3650) -> Identity:
        key = self.key(name, 256, "A")
        cert = self.dir / f"{name}.crt"
        self.run(
            "req", "-engine", "gost", "-new", "-x509", "-utf8", "-key", str(key), "-md_gost12_256",
            "-subj", _subject(cn, org=cn), "-days", str(days), "-out", str(cert),
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-addext", "subjectKeyIdentifier=hash",
        )  # fmt: skip
        return self.identity(name, cert, key, 256)

    def _ca_dir(self, issuer: Identity) -> Path:
        directory = self.dir / f"ca-{issuer.cert_path.stem}"
        if not directory.exists():
            (directory / "certs").mkdir(parents=True)
            (directory / "index.txt").write_text("")
            (directory / "serial").write_text("1000\n")
        return directory

    def issue(
        self,
        name: str,
        issuer: Identity,
        subject: str,
        *,
        bits: int = 256,
        paramset: str = "A",
        extensions: str = "v3_user",
        startdate: str | None = None,
        enddate: str | None = None,
        days: int = 365,
    ) -> Identity:
        """A certificate issued by ``issuer`` with ``openssl ca`` (the only way in OpenSSL 3.0 to set an
        arbitrary validity: ``-startdate``/``-enddate`` as YYYYMMDDHHMMSSZ)."""
        key = self.key(name, bits, paramset)
        csr = self.dir / f"{name}.csr"
        self.run(
            "req", "-engine", "gost", "-new", "-utf8", "-key", str(key), "-subj", subject, "-out", str(csr),
        )  # fmt: skip
        ca_dir = self._ca_dir(issuer)
        conf = ca_dir / "ca.cnf"
        md = "md_gost12_256" if issuer.bits == 256 else "md_gost12_512"
        conf.write_text(CA_CONF.format(dir=ca_dir, md=md))
        cert = self.dir / f"{name}.crt"
        args = [
            "ca", "-engine", "gost", "-batch", "-notext", "-utf8", "-preserveDN", "-config", str(conf),
            "-extensions", extensions, "-cert", str(issuer.cert_path), "-keyfile", str(issuer.key_path),
            "-in", str(csr), "-out", str(cert),
        ]  # fmt: skip
        if startdate:
            args += ["-startdate", startdate]
        if enddate:
            args += ["-enddate", enddate]
        else:
            args += ["-days", str(days)]
        self.run(*args)
        return self.identity(name, cert, key, bits, issuer)


def person_subject(
    surname: str,
    given: str,
    *,
    snils: str = "",
    inn: str = "",
    title: str = "",
    organization: str = "",
) -> str:
    """An OpenSSL -subj of a qualified certificate's owner (Приказ ФСБ № 795: SN, G, CN, СНИЛС, ИНН)."""
    extra = ""
    if snils:
        extra += f"/1.2.643.100.3={snils}"
    if inn:
        extra += f"/1.2.643.3.131.1.1={inn}"
    return _subject(
        f"{surname} {given}", surname=surname, given=given, title=title, org=organization, extra=extra
    )


def make_pki(
    tmp_path: Path,
    *,
    bits: int = 256,
    head_name: tuple[str, str] = HEAD_NAME,
    head_snils: str = HEAD_SNILS,
    head_inn: str = HEAD_INN,
    head_title: str = HEAD_TITLE,
    head_organization: str = HEAD_ORGANIZATION,
    paramset: str = "A",
) -> Pki:
    """The test PKI above in ``tmp_path``; ``bits`` is the size of the head's key (CAs are 256-bit, as the
    Минцифры and Treasury CAs are)."""
    maker = _Maker(Path(tmp_path))
    root = maker.root("root", "Тестовый головной УЦ")
    ca = maker.issue(
        "ca", root, _subject("Тестовый УЦ Федерального казначейства", org="Федеральное казначейство (тест)"),
        extensions="v3_ca", days=3000,
    )  # fmt: skip
    surname, given = head_name
    head = maker.issue(
        "head",
        ca,
        person_subject(
            surname, given, snils=head_snils, inn=head_inn, title=head_title, organization=head_organization
        ),
        bits=bits,
        paramset=paramset,
    )
    expired = maker.issue(
        "expired", ca, person_subject(surname, given, snils=head_snils), startdate="20200101000000Z",
        enddate="20210101000000Z",
    )  # fmt: skip
    future = maker.issue(
        "future", ca, person_subject(surname, given, snils=head_snils), startdate="20400101000000Z",
        enddate="20410101000000Z",
    )  # fmt: skip
    forged = maker.issue("forged", head, person_subject("Иванов", "Иван Иванович", snils=head_snils))
    unfit = maker.issue(
        "unfit", ca, person_subject(surname, given, snils=head_snils), extensions="v3_encipher"
    )
    stranger_root = maker.root("stranger_root", "Чужой УЦ")
    stranger = maker.issue(
        "stranger", stranger_root, person_subject("Петров", "Пётр Петрович", snils="11223344596")
    )
    return Pki(
        dir=maker.dir,
        conf=maker.conf,
        root=root,
        ca=ca,
        head=head,
        stranger_root=stranger_root,
        stranger=stranger,
        expired=expired,
        future=future,
        forged=forged,
        unfit=unfit,
    )


def make_key_identity(
    tmp_path: Path, *, bits: int, paramset: str, issuer: Identity | None = None
) -> Identity:
    """A self-signed (or ``issuer``-issued) identity with the given key parameter set: the parameter-set table
    test signs once with each set OpenSSL can generate."""
    maker = _Maker(Path(tmp_path))
    name = f"p{bits}{paramset}"
    if issuer is None:
        key = maker.key(name, bits, paramset)
        cert = maker.dir / f"{name}.crt"
        md = f"md_gost12_{bits}"
        maker.run(
            "req", "-engine", "gost", "-new", "-x509", "-utf8", "-key", str(key), f"-{md}",
            "-subj", person_subject("Тестов", "Тест Тестович"), "-days", "30", "-out", str(cert),
        )  # fmt: skip
        return maker.identity(name, cert, key, bits)
    return maker.issue(name, issuer, person_subject("Тестов", "Тест Тестович"), bits=bits, paramset=paramset)


def sign_detached(
    identity: Identity,
    content: bytes,
    *,
    tmp_path: Path,
    form: str = "der",
    chain: tuple[Identity, ...] | None = None,
    attached: bool = False,
    no_attributes: bool = False,
    cades: bool = False,
    include_certificate: bool = True,
) -> bytes:
    """``openssl cms -sign -binary`` with the identity's key: a detached CAdES-BES (``attached`` keeps the
    content inside; ``no_attributes`` signs the content digest alone; ``cades`` adds signingCertificateV2).
    ``chain``: CA certificates to carry in the CMS (default: the identity's issuers except the root, as
    КриптоПро's "chain except root" option does). ``form``: "der", "base64" (76-column lines) or "pem"."""
    tmp_path = Path(tmp_path)
    tmp_path.mkdir(parents=True, exist_ok=True)
    conf = tmp_path / "gost-sign.cnf"
    conf.write_text(ENGINE_CONF)
    document = tmp_path / "document.bin"
    document.write_bytes(content)
    out = tmp_path / "document.sig"
    args = [
        "cms", "-sign", "-engine", "gost", "-binary", "-in", str(document), "-signer", str(identity.cert_path),
        "-inkey", str(identity.key_path), "-md", f"md_gost12_{identity.bits}", "-outform", "DER", "-out", str(out),
    ]  # fmt: skip
    if attached:
        args.append("-nodetach")
    if no_attributes:
        args.append("-noattr")
    if cades:
        args.append("-cades")
    if not include_certificate:
        args.append("-nocerts")
    if chain is None:
        chain = identity.issuers
    if chain:
        bundle = tmp_path / "chain.pem"
        bundle.write_bytes(b"".join(link.cert_pem for link in chain))
        args += ["-certfile", str(bundle)]
    _run(args, conf=conf, cwd=tmp_path)
    der = out.read_bytes()
    return encode(der, form)


def encode(der: bytes, form: str) -> bytes:
    if form == "der":
        return der
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    if form == "base64":
        return body.encode() + b"\n"
    if form == "pem":
        return f"-----BEGIN CMS-----\n{body}\n-----END CMS-----\n".encode()
    raise ValueError(form)


def openssl_verify(signature_der: bytes, content: bytes, *, pki: Pki, tmp_path: Path) -> bool:
    """OpenSSL's own ``cms -verify`` of a detached signature against the PKI's root (the bench's baseline)."""
    tmp_path = Path(tmp_path)
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "v.sig").write_bytes(signature_der)
    (tmp_path / "v.bin").write_bytes(content)
    try:
        _run(
            ["cms", "-verify", "-engine", "gost", "-binary", "-inform", "DER", "-in", "v.sig", "-content", "v.bin",
             "-CAfile", str(pki.root.cert_path), "-purpose", "any", "-out", os.devnull],
            conf=pki.conf, cwd=tmp_path,
        )  # fmt: skip
    except RuntimeError:
        return False
    return True
