#!/usr/bin/env bash
# Резервная копия портала: база данных (pg_dump в формате custom) и загруженные файлы (tar MEDIA_ROOT)
# в папку с отметкой времени: $BACKUP_DIR/ГГГГММДД-ЧЧММСС/{database.dump,media.tar.gz,SHA256SUMS}.
#
#   DATABASE_URL=postgres://… MEDIA_ROOT=/data/media scripts/backup.sh [КУДА]
#
# КУДА — корень для папок копий (или BACKUP_DIR; по умолчанию var/backups). Папка появляется под своим
# именем только целиком: пока копия пишется, она называется ….partial. Печатает путь к готовой папке.
# PG_DUMP — команда pg_dump (по умолчанию pg_dump; например «docker compose exec -T db pg_dump»).
# Восстановление — scripts/restore.sh, порядок действий — docs/operations.md.
set -euo pipefail

: "${DATABASE_URL:?Задайте DATABASE_URL (postgres://пользователь:пароль@сервер:5432/база)}"
case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "Резервное копирование поддерживает только PostgreSQL, а DATABASE_URL=${DATABASE_URL%%:*}://…" >&2; exit 2 ;;
esac
MEDIA_ROOT="${MEDIA_ROOT:-var/media}"
root="${1:-${BACKUP_DIR:-var/backups}}"
read -r -a pg_dump <<< "${PG_DUMP:-pg_dump}"

stamp="$(date +%Y%m%d-%H%M%S)"
target="$root/$stamp"
n=1
while [ -e "$target" ] || [ -e "$target.partial" ]; do target="$root/$stamp-$n"; n=$((n + 1)); done
partial="$target.partial"
mkdir -p "$partial"
trap 'rm -rf "$partial"' EXIT

"${pg_dump[@]}" --format=custom --compress=6 "$DATABASE_URL" > "$partial/database.dump"

if [ -d "$MEDIA_ROOT" ]; then
  tar -C "$MEDIA_ROOT" -czf "$partial/media.tar.gz" .
else
  echo "Папки MEDIA_ROOT=$MEDIA_ROOT нет: файлов в копии не будет." >&2
  empty="$(mktemp -d)"
  tar -C "$empty" -czf "$partial/media.tar.gz" .
  rmdir "$empty"
fi

(cd "$partial" && sha256sum database.dump media.tar.gz > SHA256SUMS)
mv "$partial" "$target"
trap - EXIT
echo "$target"
