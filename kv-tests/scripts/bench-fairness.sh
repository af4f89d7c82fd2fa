#!/usr/bin/env bash
# Fairness across processes: what background output (range scans) costs a neighbour's gets, in each
# output mode. Two servers (spool, sync) run as their own processes pinned to CPU 0 with one event
# loop, two background threads and one vBucket; kv-bench runs pinned to CPU 1. Each server gets
# 40,000 documents of 1 KiB; then `kv-bench compare` alternates the two servers for ROUNDS rounds of:
# the neighbour alone (baseline: one get at a time), then the neighbour beside 4 clients that each
# repeat a whole-collection document scan. Once with unlimited continues (workload fairness), once
# with the Java SDK's default limits (fairness-sdk). Prints both reports' tables; the reports
# (report.md, report.html, results.json) stay under kv-tests/target/bench/fairness*/.
#
#   DURATION=120s ROUNDS=3 bash kv-tests/scripts/bench-fairness.sh     (SKIP_BUILD=1 to reuse the jars)
#   SERVER_ARGS="--output-quantum 64k" to pass more flags to both servers.
#   SCAN_NICE (default 0): the scanning clients' threads run at this nice value, so that on the
#   shared client core they do not delay the neighbour whose latency is measured (10 made no
#   measurable difference on the 2-core development VM).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-120s}
ROUNDS=${ROUNDS:-3}
SERVER_ARGS=${SERVER_ARGS:-}
WORKLOADS=${WORKLOADS:-fairness fairness-sdk}
SCAN_NICE=${SCAN_NICE:-0}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -ntp -DskipTests package
fi
command -v taskset >/dev/null || { echo "taskset (util-linux) is needed" >&2; exit 2; }
if [ "$(nproc)" -lt 2 ]; then
  echo "needs 2 CPUs (server on one, clients on the other); this machine has $(nproc)" >&2
  exit 2
fi

out=kv-tests/target/bench
mkdir -p "$out"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Starts a server on ephemeral ports; sets $started to "PORT,MGMT_PORT".
start_server() {
  local mode=$1 log="$out/fairness-server-$1.log"
  # shellcheck disable=SC2086
  taskset -c 0 java -jar kv-frontend/target/kv-frontend.jar --host 127.0.0.1 --port 0 --mgmt-port 0 \
    --output-mode "$mode" --event-loop-threads 1 --background-threads 2 --vbuckets 1 $SERVER_ARGS >"$log" 2>&1 &
  pids+=($!)
  local port="" mgmt="" i
  for i in $(seq 1 200); do
    port=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\) (.*/\1/p' "$log" | head -1)
    mgmt=$(sed -n 's/.*management HTTP port \([0-9][0-9]*\).*/\1/p' "$log" | head -1)
    [ -n "$port" ] && [ -n "$mgmt" ] && break
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$port" ] || { echo "server ($mode) did not start" >&2; cat "$log" >&2; exit 1; }
  started="$port,$mgmt"
}

start_server spool; spool=$started
start_server sync; sync=$started
bench() { taskset -c 1 java -jar kv-tests/target/kv-bench.jar "$@"; }
bench load --target "127.0.0.1:$spool" --documents 40000 --size 1024 --quiet
bench load --target "127.0.0.1:$sync" --documents 40000 --size 1024 --quiet

for w in $WORKLOADS; do
  echo
  echo "== $w: $ROUNDS rounds, $DURATION in all; server CPU 0 ($SERVER_ARGS), clients CPU 1 (scans at nice $SCAN_NICE) =="
  bench compare --a "127.0.0.1:$spool" --label-a spool --b "127.0.0.1:$sync" --label-b sync \
    --workload "$w" --rounds "$ROUNDS" --duration "$DURATION" --warmup 5s --scan-nice "$SCAN_NICE" \
    --out "$out/$w" 2>/dev/null
  sed -n '/^- spool:/,/^$/p' "$out/$w/report.md"
done
