#!/usr/bin/env bash
# Build the shelf images from the binaries `make build` put in bin/, with deploy/Dockerfile.local:
# nothing is pulled, so this works on a machine without a registry (the e2e test uses it).
#
#   make build && deploy/build-local.sh [api worker watcher]
#
# Environment: SHELF_IMAGE_PREFIX (default shelf) and SHELF_TAG (default latest) name the images
# ${SHELF_IMAGE_PREFIX}-<service>:${SHELF_TAG}, as compose.yaml expects; SHELF_BIN_DIR (default
# bin); SHELF_CA_BUNDLE (default /etc/ssl/certs/ca-certificates.crt); SHELF_VERSION (label).
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=${SHELF_IMAGE_PREFIX:-shelf}
tag=${SHELF_TAG:-latest}
bindir=${SHELF_BIN_DIR:-bin}
ca=${SHELF_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
version=${SHELF_VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
services=("$@")
[ ${#services[@]} -gt 0 ] || services=(api worker watcher)

if [ ! -s "$ca" ]; then
	echo "build-local: no CA bundle at $ca (install ca-certificates or set SHELF_CA_BUNDLE)" >&2
	exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for service in "${services[@]}"; do
	case "$service" in api | worker | watcher) ;; *)
		echo "build-local: unknown service '$service' (api, worker or watcher)" >&2
		exit 2
		;;
	esac
	bin="$bindir/shelf-$service"
	if [ ! -x "$bin" ]; then
		echo "build-local: $bin is missing; run 'make build' first" >&2
		exit 1
	fi
	# One small context per service: the binary and the runtime files, nothing else.
	ctx="$work/$service"
	mkdir -p "$ctx/etc" "$ctx/tmp" "$ctx/data"
	cp "$bin" "$ctx/shelf-$service"
	cp deploy/rootfs/etc/passwd deploy/rootfs/etc/group "$ctx/etc/"
	cp "$ca" "$ctx/ca-certificates.crt"
	cp deploy/settings.yaml "$ctx/data/settings.yaml"
	chmod 0644 "$ctx/etc/passwd" "$ctx/etc/group" "$ctx/ca-certificates.crt"
	chmod 1777 "$ctx/tmp"
	chmod 0640 "$ctx/data/settings.yaml"
	image="$prefix-$service:$tag"
	if ! docker build -f deploy/Dockerfile.local \
		--build-arg SERVICE="$service" --build-arg VERSION="$version" \
		-t "$image" "$ctx" >"$work/build.log" 2>&1; then
		cat "$work/build.log" >&2
		echo "build-local: building $image failed" >&2
		exit 1
	fi
	echo "build-local: built $image"
done
