#!/usr/bin/env bash
# Many idle authenticated connections: the server (its own process, CPU 0) and kv-bench connections
# (CPU 1) open COUNT connections (HELLO, PLAIN login, SELECT_BUCKET, one get each) from several
# 127.0.0.x source addresses, hold them, close them; prints the rate, failures, and the server's live
# heap per idle connection (jcmd GC.class_histogram before and with them open) with the classes that
# grew, and the heap after the closes.
#
#   COUNT=100000 bash kv-tests/scripts/connections.sh      (SKIP_BUILD=1 to reuse the jars)
#
# Each process needs a file descriptor per connection: the script raises the soft open-file limit to
# the hard one, and when that is below COUNT it says so and opens what fits (raise the hard limit,
# e.g. `ulimit -Hn` as root with CAP_SYS_RESOURCE or LimitNOFILE=, to go further).
# SCRAM_ITERATIONS (default 64) only makes the logins cheap; it does not change the idle footprint.
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNT=${COUNT:-100000}
SCRAM_ITERATIONS=${SCRAM_ITERATIONS:-64}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -ntp -DskipTests package
fi
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ]; then
  ulimit -Sn "$hard"
  fit=$((hard - 500))
  if [ "$COUNT" -gt "$fit" ]; then
    echo "open-file limit here is $hard per process (hard): opening $fit connections instead of $COUNT" >&2
    COUNT=$fit
  fi
fi
sources=$(( (COUNT + 24999) / 25000 ))
out=kv-tests/target/bench
mkdir -p "$out"
log="$out/connections-server.log"
taskset -c 0 java -jar kv-frontend/target/kv-frontend.jar --host 127.0.0.1 --port 0 --mgmt-port 0 \
  --max-connections $((COUNT + 100)) --scram-iterations "$SCRAM_ITERATIONS" >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait 2>/dev/null || true' EXIT
port=""
for _ in $(seq 1 200); do
  port=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\) (.*/\1/p' "$log" | head -1)
  [ -n "$port" ] && break
  kill -0 $server 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "server did not start" >&2; cat "$log" >&2; exit 1; }
taskset -c 1 java -jar kv-tests/target/kv-bench.jar connections --target "127.0.0.1:$port" \
  --count "$COUNT" --sources "127.0.0.2+$sources" --server-pid $server
