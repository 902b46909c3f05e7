#!/usr/bin/env bash
# Vendors the browser libraries the portal serves itself (no CDN at run time) from the npm registry:
#   Chart.js → static/vendor/chartjs/chart.umd.min.js (+ LICENSE.md, VERSION)
# The tarball is fetched with `npm pack`, its SHA-512 checked against the pinned integrity AND the registry's
# dist.integrity, and only the UMD build is extracted. Run again with --force to re-vendor (e.g. after a
# version bump: change CHARTJS_VERSION and CHARTJS_INTEGRITY together, from `npm view chart.js@X dist.integrity`).
set -euo pipefail

CHARTJS_VERSION="4.5.1"
CHARTJS_INTEGRITY="sha512-GIjfiT9dbmHRiYi6Nl2yFCq7kkwdkp1W/lp2J99rX0yo9tgJGn3lKQATztIjb5tVtevcBtIdICNWqlq5+E8/Pw=="

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/static/vendor/chartjs"
target="$dest/chart.umd.min.js"

if [ "${1:-}" != "--force" ] && [ -f "$target" ] && grep -qx "version: $CHARTJS_VERSION" "$dest/VERSION" 2>/dev/null; then
  echo "Chart.js $CHARTJS_VERSION уже в $dest (--force — загрузить заново)."
  exit 0
fi

command -v npm >/dev/null || { echo "Нужен npm (пакет npm), чтобы загрузить Chart.js из реестра." >&2; exit 1; }
command -v openssl >/dev/null || { echo "Нужен openssl, чтобы проверить целостность архива." >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "chart.js@$CHARTJS_VERSION" >/dev/null)
tarball="$tmp/chart.js-$CHARTJS_VERSION.tgz"
[ -f "$tarball" ] || { echo "npm pack не создал $tarball" >&2; exit 1; }

actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | openssl base64 -A)"
registry="$(npm view "chart.js@$CHARTJS_VERSION" dist.integrity 2>/dev/null)"
if [ "$actual" != "$CHARTJS_INTEGRITY" ]; then
  echo "Целостность архива Chart.js не совпадает с закреплённой: $actual" >&2
  exit 1
fi
if [ "$registry" != "$CHARTJS_INTEGRITY" ]; then
  echo "dist.integrity в реестре ($registry) не совпадает с закреплённой." >&2
  exit 1
fi

tar -xzf "$tarball" -C "$tmp" package/dist/chart.umd.min.js package/LICENSE.md
mkdir -p "$dest"
# The source map is not vendored: drop its reference, or the manifest storage of collectstatic would look
# for the missing .map file and fail.
sed '/^\/\/# sourceMappingURL=/d' "$tmp/package/dist/chart.umd.min.js" >"$target.tmp"
mv "$target.tmp" "$target"
cp "$tmp/package/LICENSE.md" "$dest/LICENSE.md"
cat >"$dest/VERSION" <<EOF
name: chart.js
version: $CHARTJS_VERSION
source: https://registry.npmjs.org/chart.js/-/chart.js-$CHARTJS_VERSION.tgz
integrity: $CHARTJS_INTEGRITY
file: package/dist/chart.umd.min.js (sourceMappingURL line removed)
sha256: $(sha256sum "$target" | cut -d' ' -f1)
license: MIT (LICENSE.md)
EOF
echo "Chart.js $CHARTJS_VERSION → $target"
