#!/usr/bin/env bash
# README command 2: installs what is missing, then runs the whole test suite.
cd "$(dirname "$0")/.." && source scripts/lib.sh
ensure_all
ensure_compose_schema
ensure_stripe_mock
step "Running the test suite"
exec npx jest --coverage "$@"
