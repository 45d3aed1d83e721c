#!/usr/bin/env bash
# Starts veriwallet with its embedded defaults (127.0.0.1:8080, SQLite and
# files under ./data), installing what it needs first. Extra arguments are
# passed to `veriwallet serve` (e.g. --addr 0.0.0.0:8080 --db postgres://…).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec go run ./cmd/veriwallet serve --dev "$@"
