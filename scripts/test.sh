#!/usr/bin/env bash
# Runs veriwallet's whole test suite, installing what the tests need first.
# The store tests run against SQLite always, and against PostgreSQL too when
# one answers on 127.0.0.1:5432 (or VERIWALLET_TEST_POSTGRES_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test

# go.mod and go.sum must be tidy: fail before any test when `go mod tidy` would change them.
if ! go mod tidy -diff; then
	echo "test: go.mod/go.sum are not tidy; run 'go mod tidy' and commit the result" >&2
	exit 1
fi

if [[ -z "${VERIWALLET_TEST_POSTGRES_URL:-}" ]] && (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
	for user in postgres root; do
		if command -v psql >/dev/null && psql "postgres://$user@127.0.0.1:5432/test?sslmode=disable" -Atqc 'select 1' >/dev/null 2>&1; then
			export VERIWALLET_TEST_POSTGRES_URL="postgres://$user@127.0.0.1:5432/test?sslmode=disable"
			break
		fi
	done
	if [[ -z "${VERIWALLET_TEST_POSTGRES_URL:-}" ]] && ! command -v psql >/dev/null; then
		export VERIWALLET_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	fi
fi
if [[ -n "${VERIWALLET_TEST_POSTGRES_URL:-}" ]]; then
	echo "test: PostgreSQL store tests enabled" >&2
else
	echo "test: no PostgreSQL on 127.0.0.1:5432; store tests run on SQLite only" >&2
fi

export OMP_THREAD_LIMIT=1
go vet ./...
go test -timeout 25m ./...
# Where races could hide: concurrent sessions, stores, keys and blobs.
go test -race -timeout 25m ./internal/sqlstore/... ./internal/identity/... ./internal/api/... ./internal/keys/... ./internal/blob/... ./internal/httpx/...
# Face analyses share sessions between goroutines; only the concurrency tests (the whole
# package under -race takes minutes: the image loops run ~10x slower).
go test -race -timeout 25m -run 'Concurrent|Close|Context' ./internal/face/
# Fuzz targets: every `func FuzzX` runs for a few seconds beyond its seed
# corpus (the plain `go test` above ran the seeds already). A crash fails the
# suite and leaves the input in testdata/fuzz/FuzzX/ to commit as a test.
# Longer: VERIWALLET_FUZZTIME=5m bash scripts/test.sh, or one target:
#   go test -run '^$' -fuzz '^FuzzJSONRoutes$' -fuzztime 10m ./internal/api/
# The default is a count, not a duration: with a duration, Go 1.26's fuzz
# coordinator can report a bare "context deadline exceeded" when its
# deadline races a worker on a busy machine (golang/go#75804, fixed in Go
# 1.27), a failure with no input behind it. 500 runs take 0.1-15 s a target.
fuzztime="${VERIWALLET_FUZZTIME:-500x}"
while IFS= read -r file; do
	for target in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(f \*testing\.F).*/\1/p' "$file"); do
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 2s "./$(dirname "$file")"
	done
done < <(grep -rl --include='*_test.go' '^func Fuzz' internal cmd | sort)
