#!/usr/bin/env bash
# Snappy on and off through the Java SDK: one server (passive compression, the default) pinned to
# CPU 0, kv-bench's SDK client pinned to CPU 1, alternating `--client sdk` (the SDK compresses
# values of 32 bytes and more, as it does by default once the server acks Snappy) and
# `--client sdk-uncompressed` for ROUNDS rounds. Prints each run's line and the medians; the reports
# stay under kv-tests/target/bench/snappy/.
#
#   DURATION=20s ROUNDS=3 VALUE_SIZE=4096 bash kv-tests/scripts/bench-snappy.sh   (SKIP_BUILD=1 reuses the jars)
#
# kv-bench's values are one repeated letter: the best case for compression (about 20:1). Real JSON
# compresses 2-5:1, so the gain on the wire is smaller there; the CPU cost per operation is similar.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-20s}
ROUNDS=${ROUNDS:-3}
VALUE_SIZE=${VALUE_SIZE:-4096}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -ntp -DskipTests package
fi
command -v taskset >/dev/null || { echo "taskset (util-linux) is needed" >&2; exit 2; }
out=kv-tests/target/bench/snappy
mkdir -p "$out"
log="$out/server.log"
taskset -c 0 java -jar kv-frontend/target/kv-frontend.jar --host 127.0.0.1 --port 0 --mgmt-port 0 \
  --event-loop-threads 1 >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait 2>/dev/null || true' EXIT
port="" mgmt=""
for _ in $(seq 1 200); do
  port=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\) (.*/\1/p' "$log" | head -1)
  mgmt=$(sed -n 's/.*management HTTP port \([0-9][0-9]*\).*/\1/p' "$log" | head -1)
  [ -n "$port" ] && [ -n "$mgmt" ] && break
  kill -0 $server 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "server did not start" >&2; cat "$log" >&2; exit 1; }
grep -o 'snappy [a-z]*)' "$log" || true
target="127.0.0.1:$port,$mgmt"
cat >"$out/workload.yaml" <<YAML
name: snappy-$VALUE_SIZE
kv: {connections: 4, pipeline: 4, get-ratio: 0.5, keys: 10000, value-size: $VALUE_SIZE}
YAML
bench() { taskset -c 1 java -jar kv-tests/target/kv-bench.jar "$@"; }
bench load --target "$target" --documents 10000 --size "$VALUE_SIZE" --quiet
: >"$out/runs.txt"
for round in $(seq 1 "$ROUNDS"); do
  for client in sdk sdk-uncompressed; do
    bench run --target "$target" --client "$client" --workload "$out/workload.yaml" --duration "$DURATION" \
      --out "$out/$client-$round" >"$out/$client-$round.txt"
    python3 - "$out/$client-$round/results.json" "$client" "$round" <<'PY' | tee -a "$out/runs.txt"
import json, sys
s = json.load(open(sys.argv[1]))["summary"][-1]
o = s["ops"]
print(f"{sys.argv[3]} {sys.argv[2]:17s} ops/s {s['kv_ops_per_s']:9.0f}  server CPU/op {s['server']['cpu_us_per_op']:6.1f} us"
      f"  get p50 {o['get']['p50_us']:7.1f} us  set p50 {o['set']['p50_us']:7.1f} us")
PY
  done
done
python3 - "$out/runs.txt" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
med = {}
for c in ("sdk", "sdk-uncompressed"):
    r = [x for x in rows if x[1] == c]
    med[c] = (statistics.median(float(x[3]) for x in r), statistics.median(float(x[6]) for x in r))
    print(f"median {c:17s} ops/s {med[c][0]:9.0f}  server CPU/op {med[c][1]:6.1f} us")
a, b = med["sdk"], med["sdk-uncompressed"]
print(f"compressed / uncompressed: throughput {a[0] / b[0]:.2f}x, server CPU per op {a[1] / b[1]:.2f}x")
PY
