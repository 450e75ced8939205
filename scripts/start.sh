#!/usr/bin/env bash
# README command 1: installs what is missing, then runs Postgres, Temporal, migrations, worker and API.
cd "$(dirname "$0")/.." && source scripts/lib.sh
ensure_all
# One process (tsx as a loader): Ctrl-C reaches Billow itself, which stops every child it started.
exec node --import tsx src/cli.ts start "$@"
