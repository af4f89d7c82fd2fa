#!/usr/bin/env bash
# Records what the official SDKs really send and commits it as fuzz seeds: starts the server jar,
# captures its MCBP port on the loopback with tcpdump while the Node.js SDK's test suite
# (kv-tests/node, all but the TLS test) and the Java SDK (kv-bench run --client sdk: gets, sets,
# range scans) run against it, then turns each distinct client stream into a PipelineFuzzTest seed
# (kv-tests/scripts/pcap-to-seeds.py). Installs tcpdump (Debian package) and the Node SDK when
# missing; needs root for the capture. Run from anywhere; rerunning replaces the sdk-* seeds.
#
#   bash kv-tests/scripts/capture-sdk-seeds.sh        (SKIP_BUILD=1 to reuse the jars)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
seeds=kv-frontend/src/test/resources/io/kvfrontend/dispatch/PipelineFuzzTestInputs/anyBytesThroughTheDecoderAndEveryExecutor
if ! command -v tcpdump >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq tcpdump >/dev/null
fi
bash kv-tests/node/install.sh
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -ntp -DskipTests package
fi
out=kv-tests/target/capture
mkdir -p "$out"
log="$out/server.log"
# The collections the Node SDK tests use (NodeSdkTest configures the same).
cat >"$out/server.yaml" <<'YAML'
buckets:
  - name: default
    scopes:
      s: [c, scan]
YAML
. kv-tests/scripts/start-server.sh
server=""
dump=""
trap '[ -n "$server" ] && kill $server 2>/dev/null || true; [ -n "$dump" ] && kill $dump 2>/dev/null || true; wait 2>/dev/null || true' EXIT
start_server "$log" java -jar kv-frontend/target/kv-frontend.jar --config "$out/server.yaml" --host 127.0.0.1 \
  --port 0 --mgmt-port 0
pcap="$out/sdk.pcap"
rm -f "$pcap"
tcpdump -i lo -U -s 0 -w "$pcap" "tcp port $port" 2>"$out/tcpdump.log" &
dump=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$out/tcpdump.log" && break
  sleep 0.1
done
echo "capturing port $port (server pid $server, tcpdump pid $dump)"
(cd kv-tests/node && KV_HOST=127.0.0.1 KV_PORT=$port KV_MGMT_PORT=$mgmt KV_MODE=capture \
  node --test --test-concurrency=1 --test-name-pattern='^\[capture\] (?!TLS)' test/) >"$out/node.log" 2>&1 \
  || { echo "the Node SDK tests failed; see $out/node.log" >&2; exit 1; }
bench=(java -jar kv-tests/target/kv-bench.jar)
"${bench[@]}" load --target "127.0.0.1:$port,$mgmt" --documents 500 --size 100..2000 --quiet >"$out/bench.log" 2>&1
"${bench[@]}" run --target "127.0.0.1:$port,$mgmt" --client sdk --workload kv --duration 4s >>"$out/bench.log" 2>&1
"${bench[@]}" run --target "127.0.0.1:$port,$mgmt" --client sdk --workload fairness-sdk --duration 4s >>"$out/bench.log" 2>&1 \
  || { echo "the Java SDK runs failed; see $out/bench.log" >&2; exit 1; }
kill -INT $dump
wait $dump 2>/dev/null || true
dump=""
python3 kv-tests/scripts/pcap-to-seeds.py "$pcap" "$port" "$seeds"
echo "seeds in $root/$seeds"
