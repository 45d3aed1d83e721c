#!/usr/bin/env bash
# Installs what veriwallet needs on a Debian/Ubuntu machine with Go:
#   always:  document reading (tesseract, ONNX Runtime, PP-OCR models; see ocr/setup.sh)
#   --test:  also Chromium, for the browser tests, and versitygw (an S3
#            server) for the S3 blob store's tests, into $(go env GOPATH)/bin
# Idempotent and quiet when everything is in place. Works as root with no
# standard input (CI); as another user it uses sudo for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

apt_install() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0
	local sudo=()
	if [[ $(id -u) != 0 ]]; then
		command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
		sudo=(sudo -n)
	fi
	echo "setup: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -qq >/dev/null
	"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if [[ -x scripts/ocr/setup.sh || -f scripts/ocr/setup.sh ]]; then
	bash scripts/ocr/setup.sh
fi
if ((want_test)); then
	apt_install chromium
	# The S3 server the blob tests start (internal/blob/s3test), from the Go
	# module proxy. Without it those tests skip (and fail under CI=true).
	vgw_version=v1.8.0
	gobin="$(go env GOBIN)"
	[[ -n "$gobin" ]] || gobin="$(go env GOPATH)/bin"
	if ! go version -m "$gobin/versitygw" 2>/dev/null | grep -q "mod[[:space:]]*github.com/versity/versitygw[[:space:]]*$vgw_version"; then
		echo "setup: installing versitygw $vgw_version (S3 test server) into $gobin" >&2
		GOFLAGS= go install "github.com/versity/versitygw/cmd/versitygw@$vgw_version" ||
			echo "setup: could not install versitygw; the S3 tests will skip (and fail under CI=true)" >&2
	fi
fi
