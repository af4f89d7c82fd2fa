#!/usr/bin/env bash
# Spool vs sync hand-off, side by side in containers: starts two containers from the project's image,
# one per output mode (KV_OUTPUT_MODE), waits for their health checks, loads the same documents into
# both, runs `kv-bench compare` against them from the host (alternating rounds), and leaves the
# report (report.md, report.html with charts, results.json) in the folder it prints.
#
#   docker/compare.sh                       # default workload, 2 minutes, 3 rounds
#   DURATION=30s WORKLOAD=fairness OUT=/tmp/report docker/compare.sh
#
# Settings (environment): DURATION (2m), ROUNDS (3), WARMUP (5s), WORKLOAD (default; a name or a
# YAML file), DOCUMENTS (40000), SIZE (1024), OUT (docker/target/compare-DATE), CLIENT (raw|sdk),
# NETWORK (host: the containers use the host's network on free loopback ports, which measures the
# server and not a user-space network stack; slirp4netns: isolated, ports published on loopback),
# SERVER_CPUS / CLIENT_CPUS (taskset CPU lists; default on a machine with 2 or more CPUs: servers on
# CPU 0, kv-bench on CPU 1; "all" for no pinning), SKIP_BUILD=1 to reuse the jars and image. Uses
# podman (installed by docker/install-podman.sh if missing); the containers are removed on exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
DURATION=${DURATION:-2m}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-5s}
WORKLOAD=${WORKLOAD:-default}
DOCUMENTS=${DOCUMENTS:-40000}
SIZE=${SIZE:-1024}
CLIENT=${CLIENT:-raw}
OUT=${OUT:-$here/target/compare-$(date -u +%Y%m%dT%H%M%SZ)}
NETWORK=${NETWORK:-host}
if [ "$(nproc)" -ge 2 ]; then
  SERVER_CPUS=${SERVER_CPUS:-0}
  CLIENT_CPUS=${CLIENT_CPUS:-1}
else
  SERVER_CPUS=${SERVER_CPUS:-all}
  CLIENT_CPUS=${CLIENT_CPUS:-all}
fi
PASSWORD=compare-$$
pin() { local cpus=$1; shift; if [ "$cpus" = all ]; then "$@"; else taskset -c "$cpus" "$@"; fi; }

"$here/install-podman.sh"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  if [ ! -f "$root/kv-frontend/target/kv-frontend.jar" ] || [ ! -f "$root/kv-tests/target/kv-bench.jar" ]; then
    (cd "$root" && mvn -B -q -ntp -DskipTests package)
  fi
  "$here/build-image.sh"
fi
bench=(pin "$CLIENT_CPUS" java -jar "$root/kv-tests/target/kv-bench.jar")

ids=()
cleanup() {
  for id in "${ids[@]}"; do "$here/podman.sh" rm -f -t 2 "$id" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

# A TCP port nothing listens on.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    if ! ss -Htln "sport = :$p" | grep -q .; then echo "$p"; return; fi
  done
}

# Starts one container in output mode $1; sets $kv and $mgmt to its loopback ports.
start() {
  local mode=$1 id errs
  # podman without systemd cannot schedule health checks (this script runs them itself) and says so
  # on stderr: shown only if the container does not start.
  errs=$(mktemp)
  if [ "$NETWORK" = host ]; then
    kv=$(free_port)
    mgmt=$(free_port)
    [ "$mgmt" != "$kv" ] || mgmt=$(free_port)
    id=$(pin "$SERVER_CPUS" "$here/podman.sh" run -d --network host \
      -e KV_HOST=127.0.0.1 -e KV_PORT="$kv" -e KV_MGMT_PORT="$mgmt" \
      -e KV_OUTPUT_MODE="$mode" -e KV_ADMIN_PASSWORD="$PASSWORD" localhost/kv-frontend:test 2>"$errs") || { cat "$errs" >&2; exit 1; }
    ids+=("$id")
  else
    id=$(pin "$SERVER_CPUS" "$here/podman.sh" run -d --network slirp4netns \
      -p 127.0.0.1::11210 -p 127.0.0.1::8091 \
      -e KV_OUTPUT_MODE="$mode" -e KV_ADMIN_PASSWORD="$PASSWORD" localhost/kv-frontend:test 2>"$errs") || { cat "$errs" >&2; exit 1; }
    ids+=("$id")
    kv=$("$here/podman.sh" port "$id" 11210/tcp | sed 's/.*://' | head -1)
    mgmt=$("$here/podman.sh" port "$id" 8091/tcp | sed 's/.*://' | head -1)
  fi
  local i
  for i in $(seq 1 120); do
    if "$here/podman.sh" healthcheck run "$id" >/dev/null 2>&1; then
      echo "container $mode (${id:0:12}) healthy: kv 127.0.0.1:$kv, management 127.0.0.1:$mgmt"
      rm -f "$errs"
      return 0
    fi
    if [ "$("$here/podman.sh" inspect -f '{{.State.Running}}' "$id")" != true ]; then
      "$here/podman.sh" logs "$id" >&2 || true
      echo "container $mode exited before it was healthy" >&2
      exit 1
    fi
    sleep 0.5
  done
  "$here/podman.sh" logs "$id" >&2 || true
  echo "container $mode not healthy after 60 s" >&2
  exit 1
}

start spool; spool="127.0.0.1:$kv,$mgmt"
start sync; sync="127.0.0.1:$kv,$mgmt"
for t in "$spool" "$sync"; do
  "${bench[@]}" load --target "$t" --password "$PASSWORD" --documents "$DOCUMENTS" --size "$SIZE" --quiet
done
mkdir -p "$OUT"
"${bench[@]}" compare --a "$spool" --label-a spool --b "$sync" --label-b sync --password "$PASSWORD" \
  --workload "$WORKLOAD" --duration "$DURATION" --rounds "$ROUNDS" --warmup "$WARMUP" --client "$CLIENT" \
  --out "$OUT"
for id in "${ids[@]}"; do
  "$here/podman.sh" logs "$id" >"$OUT/server-$(cut -c1-12 <<<"$id").log" 2>&1 || true
done
echo "servers: $NETWORK network, CPUs $SERVER_CPUS; kv-bench: CPUs $CLIENT_CPUS"
echo "report folder: $OUT"
