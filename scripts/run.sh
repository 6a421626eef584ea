#!/usr/bin/env bash
# make run: the api, one worker and the watcher on ./data and ./library, in the foreground.
# Ctrl-C stops all three cleanly. No containers needed.
#
# Environment: SHELF_HTTP_ADDR (api, default :8080), SHELF_WORKER_METRICS_ADDR (default :9101),
# SHELF_WATCHER_METRICS_ADDR (default :9102), and every other SHELF_* variable of the binaries
# (see README.md), which all three inherit.
set -euo pipefail
cd "$(dirname "$0")/.."

root=$(pwd)
data="$root/data"
library="$root/library"
http_addr=${SHELF_HTTP_ADDR:-:8080}
worker_metrics=${SHELF_WORKER_METRICS_ADDR:-:9101}
watcher_metrics=${SHELF_WATCHER_METRICS_ADDR:-:9102}

for bin in shelf-api shelf-worker shelf-watcher; do
	if [ ! -x "bin/$bin" ]; then
		echo "run.sh: bin/$bin is missing; run 'make run' (it builds first)" >&2
		exit 1
	fi
done

mkdir -p "$data" "$library"

# A first run gets something to look at: the sample library, when this tree has its generator.
if [ -z "$(ls -A "$library")" ] && [ -f shared/cmd/samplelib/main.go ]; then
	echo "run.sh: filling ./library with the sample library"
	go run ./shared/cmd/samplelib -out "$library" || echo "run.sh: no sample library (continuing with an empty one)" >&2
fi

# The services create settings.yaml with defaults when it is missing; on a first run it should
# point at ./library instead. An existing file is the user's and is never touched.
if [ ! -e "$data/settings.yaml" ]; then
	quoted=${library//\'/\'\'}
	cat >"$data/settings.yaml" <<YAML
# shelf settings: edit while shelf runs, changes apply live. Fields left out take their defaults
# (see README.md).
library:
  paths:
    - '$quoted'
YAML
	echo "run.sh: wrote ./data/settings.yaml with library.paths = [$library]"
fi

export SHELF_DATA_DIR="$data"
pids=()

stop_all() {
	trap - INT TERM
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
}
trap 'echo; echo "run.sh: stopping"; stop_all; exit 0' INT TERM

SHELF_HTTP_ADDR="$http_addr" bin/shelf-api &
pids+=($!)
SHELF_METRICS_ADDR="$worker_metrics" bin/shelf-worker &
pids+=($!)
SHELF_METRICS_ADDR="$watcher_metrics" bin/shelf-watcher &
pids+=($!)

host=${http_addr%:*}
case "$host" in "" | 0.0.0.0 | "[::]") host=localhost ;; esac
echo "run.sh: shelf api on http://$host:${http_addr##*:} (API description: /api/openapi.json);" \
	"worker metrics on $worker_metrics, watcher metrics on $watcher_metrics. Ctrl-C stops all three."

# Ctrl-C reaches the services as well (one process group), so they may exit before this shell runs
# its trap: a service that exits 0 was asked to stop, and the run ends cleanly. Any other exit ends
# the run with an error: a half-running shelf would only confuse.
status=0
wait -n "${pids[@]}" || status=$?
if [ "$status" -eq 0 ]; then
	echo "run.sh: stopping"
	stop_all
	exit 0
fi
echo "run.sh: a service stopped on its own (status $status); stopping the others" >&2
stop_all
exit 1
