#!/bin/sh
# Restore one backup folder (deploy/backup.sh): the database, replaced whole, then the stored files
# the storage lacks. Stop web, workers and beat first; run migrate afterwards if the code is newer.
#   deploy/restore.sh /backups/20270101-030000
set -eu
dir="$1"
test -f "$dir/db.dump" || { echo "no db.dump in $dir" >&2; exit 1; }
pg_restore --clean --if-exists --no-owner --exit-on-error --dbname "$DATABASE_URL" "$dir/db.dump"
python manage.py documents_restore "$dir/documents"
echo "restored from $dir"
