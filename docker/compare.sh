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
# SKIP_BUILD=1 to reuse the jars and image. Uses podman (installed by docker/install-podman.sh if
# missing); the containers are removed on exit.
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
PASSWORD=compare-$$

"$here/install-podman.sh"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  if [ ! -f "$root/kv-frontend/target/kv-frontend.jar" ] || [ ! -f "$root/kv-tests/target/kv-bench.jar" ]; then
    (cd "$root" && mvn -B -q -ntp -DskipTests package)
  fi
  "$here/build-image.sh"
fi
bench=(java -jar "$root/kv-tests/target/kv-bench.jar")

ids=()
cleanup() {
  for id in "${ids[@]}"; do "$here/podman.sh" rm -f -t 2 "$id" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

# Starts one container in output mode $1; sets $kv and $mgmt to its published loopback ports.
start() {
  local mode=$1 id
  id=$("$here/podman.sh" run -d --network slirp4netns -p 127.0.0.1::11210 -p 127.0.0.1::8091 \
    -e KV_OUTPUT_MODE="$mode" -e KV_ADMIN_PASSWORD="$PASSWORD" localhost/kv-frontend:test)
  ids+=("$id")
  kv=$("$here/podman.sh" port "$id" 11210/tcp | sed 's/.*://' | head -1)
  mgmt=$("$here/podman.sh" port "$id" 8091/tcp | sed 's/.*://' | head -1)
  local i
  for i in $(seq 1 120); do
    if "$here/podman.sh" healthcheck run "$id" >/dev/null 2>&1; then
      echo "container $mode (${id:0:12}) healthy: kv 127.0.0.1:$kv, management 127.0.0.1:$mgmt"
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
echo "report: $OUT/report.html (also report.md, results.json)"
