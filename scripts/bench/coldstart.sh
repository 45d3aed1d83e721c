#!/usr/bin/env bash
# Measures the cold start of document reading: with a fresh OCR directory
# right after scripts/ocr/setup.sh, the first `veriwallet check document`
# must take no more than twice as long as the tenth (issue 19).
#
#   bash scripts/bench/coldstart.sh [RUNS]      (RUNS: 10)
#
# The fresh directory gets the runtime and models of the installed one
# ($VERIWALLET_OCR_DIR, hard links: setup finds them in place and fetches
# nothing) and nothing else; setup then runs on it as on a new machine (apt
# skipped). For contrast it also times a first read without setup's glyph
# step. Prints one line per run and exits 1 when first > 2 × tenth.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_THREAD_LIMIT=1
runs=${1:-10}
src="${VERIWALLET_OCR_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/veriwallet/ocr}"
[[ -f "$src/VERSION" ]] || { echo "coldstart: no OCR install in $src (run scripts/ocr/setup.sh)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/veriwallet" ./cmd/veriwallet
doc=internal/ocr/testdata/0000_id_front.jpg

fresh() { # fresh DIR: runtime and models only, as setup's download leaves them
	mkdir -p "$1"
	cp -al "$src/lib" "$src/models" "$1/"
	cp "$src/VERSION" "$1/"
}
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
read_once() { # read_once DIR -> ms
	local t0
	t0=$(date +%s%N)
	VERIWALLET_OCR_DIR=$1 "$work/veriwallet" check document --kind id_front "$doc" >/dev/null
	ms "$t0"
}

echo "machine: $(getconf _NPROCESSORS_ONLN) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
fresh "$work/nosetup"
echo "without setup's glyph step, first read: $(read_once "$work/nosetup") ms"

fresh "$work/ocr"
t0=$(date +%s%N)
VERIWALLET_OCR_DIR="$work/ocr" VERIWALLET_OCR_SKIP_APT=1 bash scripts/ocr/setup.sh
echo "setup on the fresh directory: $(ms "$t0") ms"
times=()
for i in $(seq 1 "$runs"); do
	t=$(read_once "$work/ocr")
	times+=("$t")
	echo "read $i: $t ms"
done
first=${times[0]} last=${times[$((runs - 1))]}
echo "first $first ms, read $runs $last ms, ratio $(awk -v a="$first" -v b="$last" 'BEGIN{printf "%.2f", a/b}')"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
((first <= 2 * last)) || { echo "coldstart: the first read took more than twice the last" >&2; exit 1; }
