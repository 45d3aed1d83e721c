#!/usr/bin/env bash
# Measures false match and false non-match rates of veriwallet's face
# comparison (and liveness errors, when labelled) on an operator's own
# labelled pairs, before relying on the thresholds in production:
#
#   scripts/face/evaluate.sh --pairs /data/pairs.csv [--match 0.5 --review 0.3 --live 0.5] [--rows]
#
# pairs.csv has a header and the columns document,selfie,same[,live]:
# image paths relative to the CSV, same = 1 (same person) or 0, live = 1
# (a live selfie), 0 (a photo of a photo or of a screen) or empty. It prints
# JSON: counts per verdict, false_match_rate, false_non_match_rate, a sweep
# of both over match thresholds 0.20–0.80, and liveness error rates. The
# images and results stay on this machine. Needs the face models
# (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec go run ./cmd/veriwallet check face-eval "$@"
