#!/bin/sh
# First start of the PostgreSQL volume: Temporal gets its own role, allowed to create its two
# databases (temporal-schema.sh creates them and their schemas).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE temporal WITH LOGIN CREATEDB PASSWORD :'password';
SQL
