#!/usr/bin/env bash
# Debian packages the test suite needs beyond Python: Chromium for browser tests, docker-compose to
# validate docker-compose.yml (no engine needed), Pango and fonts for PDF rendering, poppler-utils (pdftotext)
# for the tests that read where the справка prints each word (tests/reports/pdf_layout.py), OpenSSL's GOST engine
# and provider (libengine-gost-openssl): the tests sign as a head's КЭП would, and the verifier hashes with Streebog.
# zbar-tools (zbarimg) reads the QR code of a справка's print copy back from its printed pixels.
# Installs only what is missing; needs root (or sudo) for apt-get.
set -euo pipefail

packages=(chromium docker-compose libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation fonts-dejavu-core poppler-utils libengine-gost-openssl zbar-tools)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Устанавливаю системные пакеты: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
  echo "Нужны права root для apt-get install ${missing[*]}" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
