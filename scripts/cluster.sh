#!/usr/bin/env bash
# A local veriwallet cluster in one command: three replicas on one
# PostgreSQL database (127.0.0.1:5432 by default; the database
# veriwallet_cluster is created when missing), a versitygw S3 server for the
# blobs, one shared key file, and a round-robin proxy on 127.0.0.1:8080.
# Data, key file and logs in data/cluster. Ctrl-C stops everything.
#   bash scripts/cluster.sh [-db postgres://…] [-listen ADDR] [-replicas N]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test >/dev/null   # OCR, and versitygw for the S3 server
mkdir -p data/cluster/bin
go build -o data/cluster/bin/veriwallet ./cmd/veriwallet
go build -o data/cluster/bin/vwcluster ./cluster/cmd/vwcluster
exec data/cluster/bin/vwcluster -bin data/cluster/bin/veriwallet -dir data/cluster "$@"
