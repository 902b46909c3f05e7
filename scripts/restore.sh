#!/usr/bin/env bash
# Восстановление из папки, сделанной scripts/backup.sh: база (pg_restore --clean --if-exists одной транзакцией)
# и файлы (MEDIA_ROOT очищается и заполняется из архива).
#
#   DATABASE_URL=postgres://… MEDIA_ROOT=/data/media scripts/restore.sh var/backups/20260301-020000 [--yes]
#
# Сначала остановите веб и обработчики задач (docs/operations.md). Без --yes спрашивает подтверждение.
# Контрольные суммы проверяются до любых изменений; ошибка восстановления базы откатывает его целиком.
# PG_RESTORE — команда pg_restore (по умолчанию pg_restore; например «docker compose exec -T db pg_restore»).
set -euo pipefail

usage() { echo "Использование: scripts/restore.sh ПАПКА_КОПИИ [--yes]" >&2; exit 2; }
source_dir=""
yes=0
for arg in "$@"; do
  case "$arg" in
    --yes|-y) yes=1 ;;
    -*) usage ;;
    *) [ -z "$source_dir" ] && source_dir="$arg" || usage ;;
  esac
done
[ -n "$source_dir" ] || usage
: "${DATABASE_URL:?Задайте DATABASE_URL (postgres://пользователь:пароль@сервер:5432/база)}"
MEDIA_ROOT="${MEDIA_ROOT:-var/media}"
read -r -a pg_restore <<< "${PG_RESTORE:-pg_restore}"

for name in database.dump media.tar.gz SHA256SUMS; do
  [ -f "$source_dir/$name" ] || { echo "В $source_dir нет файла $name: это не папка копии." >&2; exit 1; }
done
if ! (cd "$source_dir" && sha256sum --quiet -c SHA256SUMS); then
  echo "Контрольные суммы не сходятся: копия повреждена, ничего не изменено." >&2
  exit 1
fi
tar -tzf "$source_dir/media.tar.gz" > /dev/null

if [ "$yes" -ne 1 ]; then
  [ -t 0 ] || { echo "Нет подтверждения: добавьте --yes." >&2; exit 2; }
  read -r -p "База и файлы будут заменены содержимым $source_dir. Продолжить? [y/N] " answer
  case "$answer" in y|Y|д|Д|yes|да) ;; *) echo "Отменено."; exit 1 ;; esac
fi

"${pg_restore[@]}" --clean --if-exists --no-owner --single-transaction --exit-on-error \
  --dbname="$DATABASE_URL" < "$source_dir/database.dump"

mkdir -p "$MEDIA_ROOT"
find "$MEDIA_ROOT" -mindepth 1 -delete
tar -C "$MEDIA_ROOT" -xzf "$source_dir/media.tar.gz"
echo "Восстановлено из $source_dir."
