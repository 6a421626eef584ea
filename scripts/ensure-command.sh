#!/usr/bin/env bash
# ensure-command.sh COMMAND PACKAGE WHY: installs Debian's PACKAGE when COMMAND is not on PATH
# (with sudo when not root). A no-op when it is. The tests call it for the tools they drive, so a
# fresh machine (CI's included) gets them from the project's own files.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 COMMAND PACKAGE WHY" >&2; exit 2; }
cmd=$1 pkg=$2 why=$3

if command -v "$cmd" >/dev/null 2>&1; then
	exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "ensure-command.sh: $cmd is missing and installing it needs root or sudo;" \
			"run: apt-get update && apt-get install -y --no-install-recommends $pkg" >&2
		exit 1
	fi
	sudo=(sudo)
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "ensure-command.sh: $cmd is missing and this is not a Debian-like system (no apt-get);" \
		"install $pkg with your package manager so that '$cmd' is on PATH" >&2
	exit 1
fi

echo "ensure-command.sh: installing $pkg ($why)"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "$pkg"
command -v "$cmd" >/dev/null
