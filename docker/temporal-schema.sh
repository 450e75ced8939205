#!/bin/sh
# Temporal's persistence and visibility databases on PostgreSQL, created if missing and migrated
# to the schema this admin-tools image ships (safe to run on every start).
set -eu
export SQL_PASSWORD="$POSTGRES_PWD"
schemas=/etc/temporal/schema/postgresql/v12
sql() { temporal-sql-tool --plugin "$DB" --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"; }

for pair in temporal:temporal temporal_visibility:visibility; do
  database=${pair%%:*}
  schema=${pair##*:}
  echo "Temporal schema: $database"
  sql --db "$database" create || echo "  $database exists"
  sql --db "$database" setup-schema -v 0.0
  sql --db "$database" update-schema -d "$schemas/$schema/versioned"
done
