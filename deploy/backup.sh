#!/bin/sh
# One backup: the database (pg_dump, custom format) and every stored file (documents_backup), in a
# folder of its own under $BACKUP_DIR; folders older than $BACKUP_KEEP_DAYS are removed. Run by the
# compose service `backup` once a day; restore with deploy/restore.sh (README: going live).
set -eu
dir="${BACKUP_DIR:-/backups}/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$dir"
pg_dump --format=custom --no-owner --file "$dir/db.dump" "$DATABASE_URL"
python manage.py documents_backup "$dir/documents"
find "${BACKUP_DIR:-/backups}" -mindepth 1 -maxdepth 1 -type d -mtime +"${BACKUP_KEEP_DAYS:-30}" -exec rm -rf {} +
echo "backup written to $dir"
