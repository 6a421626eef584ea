#!/usr/bin/env bash
# The container end-to-end test: `make e2e` runs it after `make build`, CI runs it on a fresh
# machine as root. It needs a Docker engine and nothing from a registry: the images are built from
# bin/ with deploy/Dockerfile.local, and Prometheus is Debian's binary in a local image.
#
# It brings up deploy/compose.yaml (api, 3 worker replicas, watcher) under a unique project name,
# runs the checks below against the REST API, Docker and Prometheus, prints PASS/FAIL per check
# and a summary, and always removes its containers, networks, volumes and images.
#
#   1   fan-out of 3000 sleep children: every worker replica runs some, continuation once
#   2a  SIGKILL of a worker mid fan-out: its tasks are taken over once their lease expires (5 s
#       here) while the fan-out runs on, and every task completes
#   2b  the same, with the killed container started again at once (restart policy after a crash)
#   3   --scale worker=1 then =4 during a fan-out: nothing lost, continuation once
#   4   worker.slots changed through the api: every replica's shelf_worker_slots follows
#   5   library pipeline on the sample library: GET /api/library lists titles
#   6   monitoring: Prometheus (compose profile, DNS discovery of the replicas) scrapes every
#       target; every PromQL expression of the Grafana dashboard returns data; dashboard JSON valid
#   7   `compose stop` with tasks running: exit codes 0, no task left running
#
# Environment: SHELF_E2E_COMPOSE (compose command, default docker-compose, else `docker compose`),
# SHELF_E2E_KEEP=1 (leave the stack up for a look; clean it with the printed command).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."
repo=$(pwd)
started=$(date +%s)

log() { printf '%s e2e: %s\n' "$(date +%H:%M:%S)" "$*"; }
die() {
	log "ERROR: $*" >&2
	exit 1
}

# ---------------------------------------------------------------- tools

apt_install() {
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
		die "missing $* and cannot install it here (needs root and apt-get); install it and rerun"
	fi
	log "installing $*"
	if [ -z "${apt_updated:-}" ]; then
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
command -v jq >/dev/null || missing+=(jq)
command -v curl >/dev/null || missing+=(curl)
command -v prometheus >/dev/null || missing+=(prometheus)
[ -s /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
command -v docker >/dev/null || die "docker is missing"
docker info >/dev/null 2>&1 || die "the Docker engine is not reachable (docker info failed)"

if [ -n "${SHELF_E2E_COMPOSE:-}" ]; then
	read -r -a compose_cmd <<<"$SHELF_E2E_COMPOSE"
elif command -v docker-compose >/dev/null; then
	compose_cmd=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
	compose_cmd=(docker compose)
else
	apt_install docker-compose
	compose_cmd=(docker-compose)
fi
log "compose: ${compose_cmd[*]} ($("${compose_cmd[@]}" version 2>/dev/null | head -1))"

for b in shelf-api shelf-worker shelf-watcher; do
	[ -x "bin/$b" ] || die "bin/$b is missing: run 'make e2e' (it builds first) or 'make build'"
done

# ---------------------------------------------------------------- state and cleanup

id=$$$RANDOM
project="shelfe2e$id"
prefix="shelfe2e$id"
tag=e2e
tmp=$(mktemp -d /tmp/shelf-e2e.XXXXXX)
chmod 0755 "$tmp"
token="e2e-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
lease=5 # SHELF_LEASE_TIMEOUT in the test, seconds
failures=0
results=()
finished=0

# A free port on 127.0.0.1: nothing answers on it.
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	die "no free port found"
}
api_port=$(free_port)
prom_port=$(free_port)
[ "$prom_port" != "$api_port" ] || prom_port=$(free_port)
base="http://127.0.0.1:$api_port"
prom="http://127.0.0.1:$prom_port"

cat >"$tmp/e2e.env" <<EOF
SHELF_IMAGE_PREFIX=$prefix
SHELF_TAG=$tag
SHELF_LIBRARY=$tmp/library
SHELF_HTTP_PUBLISH=127.0.0.1:$api_port
SHELF_PROMETHEUS_PUBLISH=127.0.0.1:$prom_port
SHELF_GRAFANA_PUBLISH=127.0.0.1:$(free_port)
SHELF_PROMETHEUS_IMAGE=$prefix-prometheus:$tag
SHELF_API_TOKEN=$token
SHELF_LEASE_TIMEOUT=${lease}s
SHELF_GRACE_PERIOD=20s
SHELF_LOG_LEVEL=info
EOF

# The test's only change to the shipped files: Prometheus scrapes every 5 s instead of 15 s so the
# rates fill quickly. The override mounts that copy over the shipped prometheus.yml.
sed 's/^\(  *scrape_interval:\).*/\1 5s/; s/^\(  *evaluation_interval:\).*/\1 5s/; s/refresh_interval: 15s/refresh_interval: 5s/' \
	deploy/prometheus/prometheus.yml >"$tmp/prometheus.yml"
chmod 0644 "$tmp/prometheus.yml"
cat >"$tmp/compose.e2e.yaml" <<EOF
services:
  prometheus:
    volumes:
      - $tmp/prometheus.yml:/etc/prometheus/prometheus.yml:ro
    # The local image is FROM scratch with Debian's prometheus alone: no wget for the check.
    healthcheck:
      disable: true
EOF

compose() {
	"${compose_cmd[@]}" --env-file "$tmp/e2e.env" -p "$project" \
		-f "$repo/deploy/compose.yaml" -f "$tmp/compose.e2e.yaml" "$@"
}

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	if [ "$finished" -ne 1 ] || [ "$failures" -gt 0 ] || [ "$rc" -ne 0 ]; then
		echo "==================== docker-compose ps / logs (failure) ===================="
		compose --profile monitoring ps -a 2>&1
		compose --profile monitoring logs --no-color --tail=150 2>&1
		echo "============================================================================"
	fi
	if [ -n "${SHELF_E2E_KEEP:-}" ]; then
		log "SHELF_E2E_KEEP set: left project $project up; remove it with:"
		echo "  ${compose_cmd[*]} --env-file $tmp/e2e.env -p $project -f $repo/deploy/compose.yaml -f $tmp/compose.e2e.yaml --profile monitoring down -v --remove-orphans"
		exit "$rc"
	fi
	log "cleaning up project $project"
	compose --profile monitoring down -v --remove-orphans -t 5 >"$tmp/down.log" 2>&1 ||
		cat "$tmp/down.log"
	# Whatever compose did not know about any more (e.g. after a failed start).
	docker ps -aq --filter "label=com.docker.compose.project=$project" | xargs -r docker rm -f >/dev/null 2>&1
	docker volume ls -q --filter "label=com.docker.compose.project=$project" | xargs -r docker volume rm >/dev/null 2>&1
	docker network ls -q --filter "label=com.docker.compose.project=$project" | xargs -r docker network rm >/dev/null 2>&1
	for s in api worker watcher prometheus; do
		docker image rm -f "$prefix-$s:$tag" >/dev/null 2>&1
	done
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helpers

# api METHOD PATH [BODY]: the response body on 2xx; on an error status the body goes to stderr.
api() {
	local method=$1 path=$2 body=${3-} code
	local args=(-sS -m 30 -o "$tmp/resp" -w '%{http_code}' -X "$method"
		-H "Authorization: Bearer $token" -H 'Accept: application/json')
	[ -z "$body" ] || args+=(-H 'Content-Type: application/json' --data "$body")
	code=$(curl "${args[@]}" "$base$path") || {
		echo "api: $method $path: no response" >&2
		return 1
	}
	if [ "$code" -lt 200 ] || [ "$code" -ge 300 ]; then
		echo "api: $method $path: HTTP $code: $(head -c 500 "$tmp/resp")" >&2
		return 1
	fi
	cat "$tmp/resp"
}

# wait_until TIMEOUT_S DESCRIPTION COMMAND...: polls COMMAND every second.
wait_until() {
	local timeout=$1 what=$2
	shift 2
	local deadline=$(($(date +%s) + timeout))
	until "$@" >/dev/null 2>&1; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "timed out after ${timeout}s waiting for $what" >&2
			return 1
		fi
		sleep 1
	done
}

containers() { # SERVICE: running container ids (12 characters)
	docker ps -q --filter "label=com.docker.compose.project=$project" \
		--filter "label=com.docker.compose.service=$1"
}
all_containers() { # SERVICE: ids of its containers, running or not
	docker ps -aq --filter "label=com.docker.compose.project=$project" \
		--filter "label=com.docker.compose.service=$1"
}
container_ip() {
	docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "$1" | awk '{print $1}'
}
metric() { # URL NAME: the sum of that metric's samples on the page (labels ignored)
	curl -fsS -m 10 "$1" | awk -v n="$2" '$1 == n || index($1, n "{") == 1 {s += $NF; f = 1} END {if (f) print s; else exit 1}'
}
healthy() { [ "$(docker inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null)" = healthy ]; }
all_healthy() { # SERVICE COUNT
	local ids n=0
	ids=$(containers "$1")
	for c in $ids; do healthy "$c" && n=$((n + 1)); done
	[ "$n" -eq "$2" ] && [ "$(echo "$ids" | grep -c .)" -eq "$2" ]
}
api_ready() { curl -fsS -m 5 "$base/readyz" >/dev/null; }
ensure_workers() { # N: exactly N running, healthy worker replicas
	if [ "$(containers worker | grep -c .)" -ne "$1" ]; then
		compose up -d --no-recreate --scale worker="$1" worker >>"$tmp/compose.log" 2>&1
	fi
	wait_until 90 "$1 healthy workers" all_healthy worker "$1"
}

# enqueue NAME ARGS_JSON: prints the new task's id. A unique dedup key, so no check ever
# receives another one's task.
enqueue() {
	local body
	body=$(jq -cn --arg n "$1" --argjson a "$2" --arg k "e2e-$RANDOM$RANDOM-$(date +%s%N)" \
		'{name: $n, args: $a, dedup_key: $k}')
	api POST /api/tasks "$body" | jq -er '.task.id'
}
fanout() { # N CHILD_NAME CHILD_ARGS
	enqueue fanout "$(jq -cn --argjson n "$1" --arg c "$2" --argjson a "$3" '{children: $n, child: {name: $c, args: $a}}')"
}
task() { api GET "/api/tasks/$1" | jq -e ".task"; }
task_finished() { task "$1" | jq -e '.status | IN("completed", "failed", "cancelled")' >/dev/null; }
task_progress() { task "$1" | jq -r '"\(.status) \(.children.completed)/\(.children.total) failed \(.children.failed)"'; }
wait_progress() { # ID COMPLETED_AT_LEAST TIMEOUT
	local deadline=$(($(date +%s) + $3))
	while [ "$(task "$1" | jq -r '.children.completed // 0')" -lt "$2" ]; do
		[ "$(date +%s)" -lt "$deadline" ] || {
			echo "fan-out $1 did not reach $2 completed children in $3 s ($(task_progress "$1"))" >&2
			return 1
		}
		sleep 0.5
	done
}
children() { # ID [STATUS]: every child as one JSON array, following next_cursor
	local cursor="" page q out="$tmp/children.$1.$RANDOM"
	: >"$out"
	while :; do
		q="/api/tasks?parent_id=$1&limit=1000${2:+&status=$2}${cursor:+&cursor=$cursor}"
		page=$(api GET "$q") || return 1
		jq -c '.tasks[]' <<<"$page" >>"$out"
		cursor=$(jq -r '.next_cursor // empty' <<<"$page")
		[ -n "$cursor" ] || break
	done
	jq -s . "$out"
}
continuations() { # PARENT_ID: fanout_done tasks whose args name that parent
	local cursor="" page out="$tmp/cont.$1.$RANDOM"
	: >"$out"
	while :; do
		page=$(api GET "/api/tasks?name=fanout_done&limit=1000${cursor:+&cursor=$cursor}") || return 1
		jq -c --argjson p "$1" '.tasks[] | select(.args.parent_id == $p)' <<<"$page" >>"$out"
		cursor=$(jq -r '.next_cursor // empty' <<<"$page")
		[ -n "$cursor" ] || break
	done
	jq -s . "$out"
}
continuation_done() { continuations "$1" | jq -e 'length >= 1 and all(.status == "completed")' >/dev/null; }

# check_fanout_complete ID N: the parent completed with N completed children and none failed or
# unfinished, and its continuation ran exactly once. Prints a summary; fails with the reason.
check_fanout_complete() {
	local id=$1 n=$2 t c kids
	t=$(task "$id")
	[ "$(jq -r .status <<<"$t")" = completed ] || {
		echo "parent $id is $(jq -r .status <<<"$t"), not completed: $(jq -c '{children, error}' <<<"$t")"
		return 1
	}
	[ "$(jq -r '.children.total' <<<"$t")" -eq "$n" ] && [ "$(jq -r '.children.completed' <<<"$t")" -eq "$n" ] &&
		[ "$(jq -r '.children.failed' <<<"$t")" -eq 0 ] || {
		echo "parent counters $(jq -c .children <<<"$t"), want $n completed, 0 failed"
		return 1
	}
	kids=$(children "$id") || {
		echo "listing the children of $id failed"
		return 1
	}
	if [ "$(jq 'length' <<<"$kids")" -ne "$n" ] || [ "$(jq '[.[] | select(.status != "completed")] | length' <<<"$kids")" -ne 0 ]; then
		echo "children listed: $(jq -c 'group_by(.status) | map({(.[0].status): length}) | add' <<<"$kids"), want $n completed"
		return 1
	fi
	wait_until 30 "the continuation of $id" continuation_done "$id" || true
	sleep 1
	c=$(continuations "$id" | jq 'length')
	[ "$c" -eq 1 ] || {
		echo "$c fanout_done tasks for parent $id, want exactly 1"
		return 1
	}
	printf '%s' "$kids" >"$tmp/kids.$id.json"
}

# ---------------------------------------------------------------- checks

detail() { printf '%s' "$*" >"$tmp/detail"; }

# run_check NAME FUNCTION: runs FUNCTION in a subshell with errexit in force, records PASS/FAIL
# with the one-line detail the check left.
run_check() {
	local name=$1 fn=$2 rc t0
	: >"$tmp/detail"
	t0=$(date +%s)
	log "---- $name"
	set +e
	(
		set -e
		"$fn"
	)
	rc=$?
	set -e
	local d
	d="$(cat "$tmp/detail") ($(($(date +%s) - t0)) s)"
	if [ "$rc" -eq 0 ]; then
		echo "PASS  $name: $d"
		results+=("PASS  $name: $d")
	else
		echo "FAIL  $name: $d"
		results+=("FAIL  $name: $d")
		failures=$((failures + 1))
	fi
}

check_fanout_all_replicas() {
	local id t kids per absent="" w
	id=$(fanout 3000 sleep '{"seconds": 0.02}')
	log "fan-out $id: 3000 sleep children (0.02 s each)"
	wait_until 240 "fan-out $id to finish" task_finished "$id" || {
		detail "did not finish in 240 s: $(task_progress "$id")"
		return 1
	}
	t=$(check_fanout_complete "$id" 3000) || {
		detail "$t"
		return 1
	}
	kids=$(cat "$tmp/kids.$id.json")
	per=$(jq -r '[group_by(.worker)[] | "\(.[0].worker)=\(length)"] | join(" ")' <<<"$kids")
	for w in $(containers worker); do
		jq -e --arg w "worker-$w-" 'any(.[]; .worker | startswith($w))' <<<"$kids" >/dev/null || absent+=" $w"
	done
	if [ -n "$absent" ]; then
		detail "worker containers that ran none of the 3000 children:$absent (per worker: $per)"
		return 1
	fi
	detail "3000/3000 children completed by $(jq '[.[].worker] | unique | length' <<<"$kids") workers ($per); fanout_done ran once"
}

# kill_mid_fanout RESTART N: SIGKILL one worker while a fan-out of N runs; with RESTART the same
# container starts again at once, as restart: unless-stopped does after a crash (same hostname and
# pid, so the same worker id). The tasks the killed worker held must be taken over by the other
# workers once their lease expires, while the fan-out is still running, and everything completes.
kill_mid_fanout() {
	local restart=$1 n=$2 id victim held=() t kids rerun rescues=0 ip m t0 waited
	id=$(fanout "$n" sleep '{"seconds": 0.1}')
	log "fan-out $id: $n sleep children (0.1 s each)"
	wait_progress "$id" $((n / 10)) 120
	victim=$(containers worker | head -1)
	docker kill "$victim" >/dev/null
	docker wait "$victim" >/dev/null
	t0=$(date +%s)
	# What the dead process held: its running tasks now (it cannot finish them any more).
	mapfile -t held < <(children "$id" running | jq -r --arg w "worker-$victim-" '.[] | select(.worker | startswith($w)) | .id')
	log "killed $victim, which held tasks ${held[*]:-none}, at $(task_progress "$id")"
	[ ${#held[@]} -gt 0 ] || {
		detail "worker $victim held no task of fan-out $id when it was killed; nothing to take over"
		return 1
	}
	if [ "$restart" = restart ]; then
		docker start "$victim" >/dev/null
		log "started $victim again (same container: same hostname, pid 1)"
	fi
	# Taken over: no longer running on its first claim (rescued, then run again by someone).
	taken_over() {
		local x
		for x in "${held[@]}"; do
			task "$x" | jq -e '.status != "running" or .attempts > 1' >/dev/null || return 1
		done
	}
	if ! wait_until $((lease + 10)) "the killed worker's tasks to be taken over" taken_over; then
		local why
		why="the killed worker's ${#held[@]} tasks were still running on their first claim $(($(date +%s) - t0)) s after the kill (lease $lease s): $(for x in "${held[@]}"; do task "$x" | jq -c '{id, status, attempts, worker, lease_expires_at}'; done | tr '\n' ' ')"
		if [ "$restart" = restart ]; then
			# Who keeps them alive? Remove the restarted container: if nobody renews those leases
			# any more, the other workers rescue them.
			docker rm -f "$victim" >/dev/null
			if wait_until $((lease + 15)) "takeover after removing $victim" taken_over; then
				why+="; taken over once the restarted container was removed: the restarted process still renews its dead predecessor's leases (does it reuse the same worker id?)"
			fi
		fi
		wait_until 150 "fan-out $id to finish" task_finished "$id" || true
		detail "$why; fan-out: $(task_progress "$id")"
		return 1
	fi
	waited=$(($(date +%s) - t0))
	log "the killed worker's tasks were taken over after ${waited} s at $(task_progress "$id")"
	wait_until 150 "fan-out $id to finish after the kill" task_finished "$id" || {
		detail "did not finish within 150 s after SIGKILL of $victim: $(task_progress "$id")"
		return 1
	}
	t=$(check_fanout_complete "$id" "$n") || {
		detail "$t"
		return 1
	}
	kids=$(cat "$tmp/kids.$id.json")
	rerun=$(jq '[.[] | select(.attempts > 1)] | length' <<<"$kids")
	for c in $(containers worker); do
		ip=$(container_ip "$c")
		m=$(metric "http://$ip:9100/metrics" shelf_lease_rescues_total 2>/dev/null) || m=0
		rescues=$((rescues + ${m%.*}))
	done
	detail "killed $victim holding ${#held[@]} tasks at >= $((n / 10))/$n done; its tasks taken over after ${waited} s (lease $lease s); $n/$n completed, $rerun ran twice; lease rescues counted by the live workers: $rescues; fanout_done ran once"
}
check_kill_worker() {
	ensure_workers 3
	kill_mid_fanout stay-dead 1500
}
check_kill_restart_worker() {
	ensure_workers 3
	kill_mid_fanout restart 1501
}

check_scale() {
	local id t kids
	ensure_workers 3
	id=$(fanout 2000 sleep '{"seconds": 0.05}')
	log "fan-out $id: 2000 sleep children (0.05 s each)"
	wait_progress "$id" 300 120
	log "scaling to 1 worker at $(task_progress "$id")"
	compose up -d --no-recreate --scale worker=1 worker >>"$tmp/compose.log" 2>&1
	[ "$(containers worker | grep -c .)" -eq 1 ]
	local at1
	at1=$(task "$id" | jq -r .children.completed)
	sleep 3
	log "scaling to 4 workers at $(task_progress "$id")"
	compose up -d --no-recreate --scale worker=4 worker >>"$tmp/compose.log" 2>&1
	wait_until 90 "4 healthy workers" all_healthy worker 4 || {
		detail "4 workers did not become healthy"
		return 1
	}
	wait_until 240 "fan-out $id to finish" task_finished "$id" || {
		detail "did not finish in 240 s after scaling: $(task_progress "$id")"
		return 1
	}
	t=$(check_fanout_complete "$id" 2000) || {
		detail "$t"
		return 1
	}
	kids=$(cat "$tmp/kids.$id.json")
	detail "scaled 3 -> 1 at $at1 done, -> 4 later; 2000/2000 completed by $(jq '[.[].worker] | unique | length' <<<"$kids") distinct workers, $(jq '[.[] | select(.attempts > 1)] | length' <<<"$kids") ran twice; fanout_done ran once"
}

slots_are() { # N: every running worker replica reports shelf_worker_slots N
	local c ip v
	for c in $(containers worker); do
		ip=$(container_ip "$c")
		v=$(metric "http://$ip:9100/metrics" shelf_worker_slots) || return 1
		[ "${v%.*}" -eq "$1" ] || return 1
	done
}
slots_report() {
	local c ip out=""
	for c in $(containers worker); do
		ip=$(container_ip "$c")
		out+="$c=$(metric "http://$ip:9100/metrics" shelf_worker_slots 2>/dev/null || echo '?') "
	done
	echo "$out"
}
check_slots() {
	local before n reps got
	reps=$(containers worker | grep -c .)
	before=$(slots_report)
	for n in 3 5; do
		api PUT /api/settings "{\"worker\": {\"slots\": $n}}" >/dev/null
		got=$(api GET /api/settings | jq -r '.worker.slots // .settings.worker.slots // empty')
		[ "$got" = "$n" ] || {
			detail "GET /api/settings shows worker.slots=$got after PUT $n"
			return 1
		}
		wait_until 30 "every worker at $n slots" slots_are "$n" || {
			detail "after PUT worker.slots=$n: $(slots_report)(before: $before)"
			return 1
		}
		log "worker.slots=$n: $(slots_report)"
	done
	detail "$reps replicas followed worker.slots 3 then 5 within 30 s each (before: $before)"
}

check_library() {
	local files paths scan ids t idx titles status
	files=$(find "$tmp/library" -type f | wc -l)
	paths=$(api GET /api/settings | jq -c '.library.paths // .settings.library.paths')
	jq -e 'index("/library")' <<<"$paths" >/dev/null || {
		detail "library.paths is $paths, want it to contain /library (the image's settings.yaml)"
		return 1
	}
	scan=$(api POST /api/library/scan '{}') || {
		detail "POST /api/library/scan failed"
		return 1
	}
	ids=$(jq -r '.tasks[].id' <<<"$scan")
	log "scan tasks: $ids ($files files in the sample library)"
	for t in $ids; do
		wait_until 300 "scan task $t" task_finished "$t" || {
			detail "scan task $t unfinished after 300 s: $(task_progress "$t")"
			return 1
		}
		status=$(task "$t" | jq -r .status)
		[ "$status" = completed ] || {
			detail "library pipeline FAILED: scan task $t is $status: $(task "$t" | jq -r '.error // empty' | head -c 300)"
			return 1
		}
	done
	wait_until 180 "GET /api/library" api GET /api/library || {
		detail "GET /api/library has no index 180 s after the scan: $(api GET /api/library 2>&1 | head -c 300)"
		return 1
	}
	idx=$(api GET /api/library)
	titles=$(jq '.titles | length' <<<"$idx")
	[ "$titles" -gt 0 ] || {
		detail "GET /api/library returned an index with no titles: $(head -c 300 <<<"$idx")"
		return 1
	}
	detail "scan task(s) $(tr '\n' ' ' <<<"$ids")completed over $files sample files (result $(task "$(head -1 <<<"$ids")" | jq -c '.result' | head -c 120)); GET /api/library lists $titles titles, e.g. $(jq -r '.titles[0].name // empty' <<<"$idx"), generated $(jq -r '.generated_at // "?"' <<<"$idx")"
}

# ---- web UI

# The api image serves the embedded web UI: the page and every file it refers to, with the right
# content type, from the container (the browser test in services/api covers what the page does).
check_web_ui() {
	local page ref ctype refs missing=()
	page=$(curl -fsS -m 10 "$base/") || {
		detail "GET / failed"
		return 1
	}
	grep -q '<title>shelf</title>' <<<"$page" || {
		detail "GET / is not the web UI: $(head -c 200 <<<"$page")"
		return 1
	}
	mapfile -t refs < <(grep -oE '(src|href)="[^"#]+"' <<<"$page" | cut -d'"' -f2)
	for ref in "${refs[@]}"; do
		ctype=$(curl -fsS -m 10 -o /dev/null -w '%{content_type}' "$base/$ref") || {
			missing+=("$ref")
			continue
		}
		case "$ref:$ctype" in
		*.js:*javascript* | *.css:text/css* | *.svg:image/svg+xml* | *.json:application/json*) ;;
		*) missing+=("$ref ($ctype)") ;;
		esac
	done
	[ ${#missing[@]} -eq 0 ] || {
		detail "the web UI's files are missing or have the wrong type: ${missing[*]}"
		return 1
	}
	detail "GET / serves the web UI and the ${#refs[@]} files it refers to with their content types: ${refs[*]}"
}

# ---- monitoring

build_prometheus_image() {
	local ctx="$tmp/prometheus-image" bin lib
	bin=$(command -v prometheus)
	mkdir -p "$ctx/rootfs/bin" "$ctx/rootfs/etc/prometheus" "$ctx/rootfs/tmp" "$ctx/data"
	cp "$bin" "$ctx/rootfs/bin/prometheus"
	# Debian's build is dynamically linked: bring its loader and libraries along.
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
	docker build -t "$prefix-prometheus:$tag" "$ctx" >"$tmp/prometheus-build.log" 2>&1 || {
		cat "$tmp/prometheus-build.log"
		return 1
	}
}

prom_query() { # EXPR: the JSON result of an instant query
	curl -fsS -m 10 -G --data-urlencode "query=$1" "$prom/api/v1/query"
}
prom_has_data() { prom_query "$1" | jq -e '.status == "success" and (.data.result | length > 0)' >/dev/null; }
targets_up() { # WORKERS: api 1, watcher 1, worker N, all up
	curl -fsS -m 10 "$prom/api/v1/targets?state=active" | jq -e --argjson n "$1" '
		[.data.activeTargets[] | select(.labels.job != "prometheus")] as $t
		| ($t | map(select(.labels.job == "worker")) | length) == $n
		and ($t | map(select(.labels.job == "api")) | length) == 1
		and ($t | map(select(.labels.job == "watcher")) | length) == 1
		and ($t | all(.health == "up"))' >/dev/null
}

check_dashboard_json() {
	local dash=deploy/grafana/dashboards/shelf.json uid problems
	uid=$(awk '/^[[:space:]]*uid:/ {print $2; exit}' deploy/grafana/provisioning/datasources/*.yaml | tr -d '"'"'")
	[ -n "$uid" ] || {
		echo "no datasource uid in deploy/grafana/provisioning/datasources"
		return 1
	}
	problems=$(jq -r --arg uid "$uid" '
		def panels: .panels[] | (., (.panels[]?));
		[
		  (if .uid != "shelf-overview" then "dashboard uid is \(.uid), want shelf-overview" else empty end),
		  ([panels | .id] | group_by(.) | map(select(length > 1) | "panel id \(.[0]) used \(length) times")[]),
		  (panels | select(.id == null) | "panel \"\(.title)\" has no id"),
		  # Panels query the $datasource variable, whose default is the provisioned datasource.
		  ([.templating.list[] | select(.name == "datasource")][0].current.value as $cur |
		     if $cur != $uid then "the datasource variable defaults to \($cur), want \($uid)" else empty end),
		  (panels | select(.type != "row") |
		     (if .datasource.uid != "${datasource}" then "panel \(.id) \"\(.title)\": datasource uid \(.datasource.uid)" else empty end),
		     (if ((.targets // []) | length) == 0 then "panel \(.id) \"\(.title)\": no queries" else empty end),
		     (.targets[]? | select(.datasource.uid != null and .datasource.uid != "${datasource}") | "a query of panel \"\(.expr)\": datasource uid \(.datasource.uid)"),
		     (.targets[]? | select((.expr // "") == "") | "panel \(.id): a query without expr"))
		] | .[]' "$dash") || {
		echo "$dash is not valid JSON"
		return 1
	}
	if [ -n "$problems" ]; then
		echo "$problems"
		return 1
	fi
	# The provider's path is where compose mounts the dashboards.
	grep -q "path: /etc/grafana/dashboards/shelf" deploy/grafana/provisioning/dashboards/*.yaml &&
		grep -q "./grafana/dashboards:/etc/grafana/dashboards/shelf" deploy/compose.yaml || {
		echo "dashboard provider path and compose mount disagree"
		return 1
	}
	echo "$(jq '[.panels[] | select(.type != "row")] | length' "$dash") panels, unique ids, datasource uid $uid"
}

check_monitoring() {
	local workers dj expr e ok=0 bad=() load lib
	dj=$(check_dashboard_json) || {
		detail "dashboard JSON: $(tr '\n' ';' <<<"$dj")"
		return 1
	}
	if command -v promtool >/dev/null; then
		promtool check config deploy/prometheus/prometheus.yml >"$tmp/promtool.log" 2>&1 || {
			detail "promtool check config: $(tail -3 "$tmp/promtool.log" | tr '\n' ' ')"
			return 1
		}
	fi
	build_prometheus_image || {
		detail "could not build the local Prometheus image"
		return 1
	}
	compose --profile monitoring up -d --no-recreate prometheus >>"$tmp/compose.log" 2>&1
	workers=$(containers worker | grep -c .)
	wait_until 60 "Prometheus" curl -fsS -m 3 "$prom/-/ready" || {
		detail "Prometheus did not become ready"
		return 1
	}
	wait_until 60 "every target up (api, watcher, $workers workers by DNS)" targets_up "$workers" || {
		detail "targets: $(curl -fsS "$prom/api/v1/targets" | jq -c '[.data.activeTargets[] | {job: .labels.job, instance: .labels.instance, health, lastError}]')"
		return 1
	}
	log "Prometheus scrapes api, watcher and $workers workers (found by DNS); generating traffic"
	# Traffic for every panel: a long fan-out (pending, running and waiting tasks, progress,
	# oldest pending age), quick tasks, a failure, and file events for the watcher.
	load=$(fanout 1200 sleep '{"seconds": 1}')
	fanout 300 echo '{"hello": "e2e"}' >/dev/null
	enqueue fail '{"permanent": true}' >/dev/null
	lib="$tmp/library/e2e-drop"
	mkdir -p "$lib"
	printf 'not a game' >"$lib/readme.txt"
	printf 'e2e' >"$lib/Super Game [0100E2E000000000][v0].nsp"
	chown -R 10001:10001 "$lib" 2>/dev/null || true
	sleep 20
	local deadline=$(($(date +%s) + 60))
	jq -r '.panels[] | (., .panels[]?) | .targets[]?.expr' deploy/grafana/dashboards/shelf.json >"$tmp/exprs"
	while IFS= read -r expr; do
		e=${expr//\$__rate_interval/1m}
		e=${e//\$__interval/15s}
		# The $job and $instance variables at their "All" value.
		e=${e//\$job/.+}
		e=${e//\$instance/.+}
		until prom_has_data "$e"; do
			if [ "$(date +%s)" -ge "$deadline" ]; then
				bad+=("$expr")
				break
			fi
			sleep 2
		done
		prom_has_data "$e" && ok=$((ok + 1))
	done <"$tmp/exprs"
	log "load fan-out $load: $(task_progress "$load")"
	wait_until 150 "the load fan-out $load to finish" task_finished "$load" || true
	if [ ${#bad[@]} -gt 0 ]; then
		printf '  no data: %s\n' "${bad[@]}"
		detail "$ok/$(wc -l <"$tmp/exprs") dashboard queries returned data; empty: $(printf '[%s] ' "${bad[@]}")"
		return 1
	fi
	detail "all targets up (api, watcher, $workers workers via DNS SD); $ok/$(wc -l <"$tmp/exprs") dashboard queries return data; dashboard: $dj"
}

running_children_at_least() { [ "$(children "$1" running | jq length)" -ge "$2" ]; }
check_stop() {
	local slots reps n id c code notzero="" running pending t0 took svc
	reps=$(containers worker | grep -c .)
	slots=$(api GET /api/settings | jq -r '.worker.slots // .settings.worker.slots')
	# Longer than the grace period, so the workers must hand them back.
	n=$((reps * slots + 4))
	id=$(fanout "$n" sleep '{"seconds": 60}')
	wait_until 90 "children of $id running on every slot" running_children_at_least "$id" $((reps * slots)) || {
		detail "the 60 s tasks did not start on every slot: $(task_progress "$id")"
		return 1
	}
	log "$(children "$id" running | jq length) tasks running; docker-compose stop"
	t0=$(date +%s)
	compose stop >>"$tmp/compose.log" 2>&1
	took=$(($(date +%s) - t0))
	for svc in api worker watcher; do
		for c in $(all_containers "$svc"); do
			code=$(docker inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}} {{.State.Running}}' "$c")
			[ "$code" = "0 false false" ] || notzero+=" $svc/$c=$code"
		done
	done
	[ -z "$notzero" ] || {
		detail "after stop (${took} s), containers not exited 0 (exit code, OOM, running):$notzero"
		return 1
	}
	# The api alone, so no worker claims anything while we look.
	compose start api >>"$tmp/compose.log" 2>&1
	wait_until 60 "the api" api_ready || {
		detail "the api did not come back"
		return 1
	}
	running=$(curl -fsS "$base/metrics" | awk '/^shelf_tasks\{/ && /status="running"/ {s += $NF} END {print s + 0}')
	pending=$(children "$id" pending | jq length)
	local mine
	mine=$(children "$id" running | jq length)
	[ "${running%.*}" -eq 0 ] || {
		detail "stop took ${took} s, exit codes 0, but $running tasks are still running ($mine of them children of $id, which has $pending pending)"
		return 1
	}
	detail "stop took ${took} s (grace 20 s), api/$reps workers/watcher exited 0; no task running afterwards, $pending of $n children handed back to pending"
}

# ---------------------------------------------------------------- run

log "building images $prefix-{api,worker,watcher}:$tag from bin/"
SHELF_IMAGE_PREFIX=$prefix SHELF_TAG=$tag deploy/build-local.sh >"$tmp/build.log" 2>&1 || {
	cat "$tmp/build.log"
	die "building the images failed"
}

mkdir -p "$tmp/library"
if [ -f shared/cmd/samplelib/main.go ]; then
	log "writing the sample library"
	go run ./shared/cmd/samplelib -out "$tmp/library" >"$tmp/samplelib.log" 2>&1 || {
		cat "$tmp/samplelib.log"
		die "samplelib failed"
	}
else
	log "no shared/cmd/samplelib: the library check will find an empty library"
fi
# The containers run as uid 10001 and must be able to write (the organizer moves files).
chown -R 10001:10001 "$tmp/library" 2>/dev/null || chmod -R a+rwX "$tmp/library"

log "starting project $project: api on $base, 3 workers, watcher"
compose config -q
if ! compose up -d --scale worker=3 >"$tmp/compose.log" 2>&1; then
	cat "$tmp/compose.log"
	die "docker-compose up failed"
fi
wait_until 120 "the api on $base" api_ready || die "the api did not become ready"
wait_until 120 "3 healthy workers" all_healthy worker 3 || die "the workers did not become healthy"
wait_until 60 "a healthy watcher" all_healthy watcher 1 || die "the watcher did not become healthy"
log "stack up in $(($(date +%s) - started)) s"

# Enqueueing needs the token.
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data '{"name":"echo","args":{}}' "$base/api/tasks")
[ "$code" = 401 ] || [ "$code" = 403 ] || log "WARNING: POST /api/tasks without the token gave HTTP $code"

run_check "1 fan-out of 3000 over 3 replicas" check_fanout_all_replicas
run_check "2a SIGKILL of a worker mid fan-out" check_kill_worker
run_check "2b SIGKILL + immediate restart of a worker" check_kill_restart_worker
run_check "3 scale 3 -> 1 -> 4 during a fan-out" check_scale
run_check "4 worker.slots through the api" check_slots
run_check "5 library pipeline in the containers" check_library
run_check "5b web UI served by the api container" check_web_ui
run_check "6 monitoring (Prometheus + dashboard)" check_monitoring
run_check "7 docker-compose stop with tasks running" check_stop

finished=1
echo
echo "==================== e2e summary ($(($(date +%s) - started)) s, ${compose_cmd[*]}) ===================="
printf '%s\n' "${results[@]}"
if [ "$failures" -gt 0 ]; then
	echo "e2e: $failures of ${#results[@]} checks FAILED"
	exit 1
fi
echo "e2e: all ${#results[@]} checks passed"
