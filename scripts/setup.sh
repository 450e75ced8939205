#!/usr/bin/env bash
# Installs everything Billow needs (cached in $BILLOW_CACHE, default ~/.cache/billow).
cd "$(dirname "$0")/.." && source scripts/lib.sh
ensure_all
step "Ready"
