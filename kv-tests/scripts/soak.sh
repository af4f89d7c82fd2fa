#!/usr/bin/env bash
# The connection churn soak: the server (its own process, CPU 0) and kv-bench churn (CPU 1). At RATE
# new connections a second for DURATION, each one logs in (HELLO, PLAIN, SELECT_BUCKET), sets and
# gets a key and closes; every 10th resets instead right after sending. Every SAMPLE it prints the
# server's open connections, live heap (jcmd GC.class_histogram), Netty and NIO direct memory,
# threads and open files; at the end, with every connection closed, it compares them with the
# first row after the one-minute warm-up and prints FLAT or GREW (exit 1 on GREW or any failure).
#
#   DURATION=10m RATE=200 bash kv-tests/scripts/soak.sh     (SKIP_BUILD=1 to reuse the jars;
#   OUTPUT_MODE=sync for the sync hand-off)
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-10m}
RATE=${RATE:-200}
SAMPLE=${SAMPLE:-30s}
OUTPUT_MODE=${OUTPUT_MODE:-spool}
SCRAM_ITERATIONS=${SCRAM_ITERATIONS:-4096}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -ntp -DskipTests package
fi
out=kv-tests/target/bench
mkdir -p "$out"
log="$out/soak-server-$OUTPUT_MODE.log"
. kv-tests/scripts/start-server.sh
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null || true; wait 2>/dev/null || true' EXIT
start_server "$log" taskset -c 0 java -jar kv-frontend/target/kv-frontend.jar --host 127.0.0.1 --port 0 \
  --mgmt-port 0 --output-mode "$OUTPUT_MODE" --scram-iterations "$SCRAM_ITERATIONS"
echo "server pid $server on CPU 0 ($OUTPUT_MODE mode), MCBP port $port, management port $mgmt; log: $log"
taskset -c 1 java -jar kv-tests/target/kv-bench.jar churn --target "127.0.0.1:$port,$mgmt" \
  --rate "$RATE" --duration "$DURATION" --sample "$SAMPLE" --server-pid $server
rc=$?
warns=$(grep -c -E ' (WARN|ERROR) ' "$log" || true)
echo "server log: $warns WARN/ERROR lines (the resets may log none; see $log)"
exit $rc
