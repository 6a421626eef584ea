#!/usr/bin/env bash
# Installs Debian's chromium when it is missing: the web UI test (services/api/web_test.go)
# drives it headless and fails, saying so, without it. A no-op when chromium is on PATH.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
	exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "ensure-chromium.sh: chromium is missing and installing it needs root or sudo;" \
			"run: apt-get update && apt-get install -y --no-install-recommends chromium" >&2
		exit 1
	fi
	sudo=(sudo)
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "ensure-chromium.sh: chromium is missing and this is not a Debian-like system (no apt-get);" \
		"install chromium with your package manager so that 'chromium' is on PATH" >&2
	exit 1
fi

echo "ensure-chromium.sh: installing chromium (the web UI test drives it)"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends chromium
command -v chromium >/dev/null
