#!/usr/bin/env bash
# The container end-to-end test: `make e2e` runs it after `make build`, CI runs it on a fresh
# machine as root. It needs a Docker engine and nothing from a registry. This script only builds
# the images and cleans up; the checks are Go (shared/systemtest/e2e_*_test.go, build tag e2e):
#
#   1. build the images FROM scratch from bin/ (deploy/build-local.sh) and a local Prometheus
#      image from Debian's binary, under a unique name;
#   2. go test -tags e2e -run TestE2EContainers ./shared/systemtest/: it brings up
#      deploy/compose.yaml under a unique project name and runs each check as a subtest;
#   3. always remove the project's containers, networks and volumes, and the images.
#
# Environment: SHELF_E2E_COMPOSE (compose command, default docker-compose, else `docker compose`),
# SHELF_E2E_KEEP=1 (leave the stack up for a look; the test prints how to remove it).
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)

log() { printf '%s e2e: %s\n' "$(date +%H:%M:%S)" "$*"; }
die() {
	log "ERROR: $*" >&2
	exit 1
}

apt_install() {
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
		die "missing $* and cannot install it here (needs root and apt-get); install it and rerun"
	fi
	log "installing $*"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
command -v prometheus >/dev/null || missing+=(prometheus)
[ -s /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
if [ -z "${SHELF_E2E_COMPOSE:-}" ] && ! command -v docker-compose >/dev/null && ! docker compose version >/dev/null 2>&1; then
	missing+=(docker-compose)
fi
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
command -v docker >/dev/null || die "docker is missing"
docker info >/dev/null 2>&1 || die "the Docker engine is not reachable (docker info failed)"
for b in shelf-api shelf-worker shelf-watcher; do
	[ -x "bin/$b" ] || die "bin/$b is missing: run 'make e2e' (it builds first) or 'make build'"
done

id="$$$RANDOM"
export SHELF_E2E_PROJECT="shelfe2e$id" SHELF_E2E_IMAGE_PREFIX="shelfe2e$id" SHELF_E2E_TAG=e2e
tmp=$(mktemp -d /tmp/shelf-e2e-images.XXXXXX)

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	if [ -z "${SHELF_E2E_KEEP:-}" ]; then
		log "cleaning up project $SHELF_E2E_PROJECT"
		# Whatever the test's `docker-compose down` did not remove (e.g. after a failed start).
		local label="label=com.docker.compose.project=$SHELF_E2E_PROJECT"
		docker ps -aq --filter "$label" | xargs -r docker rm -f >/dev/null 2>&1
		docker volume ls -q --filter "$label" | xargs -r docker volume rm >/dev/null 2>&1
		docker network ls -q --filter "$label" | xargs -r docker network rm >/dev/null 2>&1
		for s in api worker watcher prometheus; do
			docker image rm -f "$SHELF_E2E_IMAGE_PREFIX-$s:$SHELF_E2E_TAG" >/dev/null 2>&1
		done
	fi
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "building images $SHELF_E2E_IMAGE_PREFIX-{api,worker,watcher}:$SHELF_E2E_TAG from bin/"
SHELF_IMAGE_PREFIX=$SHELF_E2E_IMAGE_PREFIX SHELF_TAG=$SHELF_E2E_TAG deploy/build-local.sh >"$tmp/build.log" 2>&1 || {
	cat "$tmp/build.log"
	die "building the images failed"
}

# Prometheus: Debian's build, dynamically linked, with its loader and libraries.
log "building image $SHELF_E2E_IMAGE_PREFIX-prometheus:$SHELF_E2E_TAG from $(command -v prometheus)"
ctx="$tmp/prometheus"
bin=$(command -v prometheus)
mkdir -p "$ctx/rootfs/bin" "$ctx/rootfs/etc/prometheus" "$ctx/rootfs/tmp" "$ctx/data"
cp "$bin" "$ctx/rootfs/bin/prometheus"
for lib in $(ldd "$bin" | awk '/=>/ {print $3} /^\t\// {print $1}'); do
	[ -f "$lib" ] || continue
	mkdir -p "$ctx/rootfs$(dirname "$lib")"
	cp -L "$lib" "$ctx/rootfs$lib"
done
cp deploy/rootfs/etc/passwd deploy/rootfs/etc/group "$ctx/rootfs/etc/"
cp /etc/ssl/certs/ca-certificates.crt "$ctx/rootfs/etc/" 2>/dev/null || true
chmod 1777 "$ctx/rootfs/tmp"
cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
COPY --chown=65534:65534 data/ /prometheus/
USER 65534:65534
WORKDIR /prometheus
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
EOF
docker build -t "$SHELF_E2E_IMAGE_PREFIX-prometheus:$SHELF_E2E_TAG" "$ctx" >"$tmp/prometheus-build.log" 2>&1 || {
	cat "$tmp/prometheus-build.log"
	die "building the Prometheus image failed"
}

log "running the checks (go test -tags e2e ./shared/systemtest/)"
status=0
go test -tags e2e -count=1 -timeout 45m -v -run '^TestE2EContainers$' ./shared/systemtest/ || status=$?
log "e2e finished in $(($(date +%s) - started)) s"
exit "$status"
