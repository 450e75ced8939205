#!/usr/bin/env bash
# README command 1: installs what is missing, then runs Postgres, Temporal, migrations, worker and API.
cd "$(dirname "$0")/.." && source scripts/lib.sh
ensure_all
exec npx tsx src/cli.ts start "$@"
