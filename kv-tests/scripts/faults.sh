#!/usr/bin/env bash
# The long fault runs: FaultScenariosTest (both output modes) at SCALE times its CI counts (10: 1,000
# clients dropping at random points of scans and large gets, 80 slow readers asking 64 MiB each, 40
# clients hammering wrong passwords, 3,000 connect-login-operate-close cycles), then
# ContentionExactnessTest, ClientFaultsTest and BucketDeletedUnderLoadTest. Prints one table: scenario, mode, count, failures, leaks, max heap, max
# pooled direct memory, the most output buffered for one connection, a neighbour's get p99.
#
#   SCALE=10 bash kv-tests/scripts/faults.sh          (SKIP_BUILD=1 to reuse the installed modules)
set -euo pipefail
cd "$(dirname "$0")/../.."
SCALE=${SCALE:-10}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -ntp -DskipTests install
fi
log=kv-tests/target/faults.log
mkdir -p kv-tests/target
set +e
(cd kv-tests && mvn -B -ntp -o test -Dkv.redirectTestOutput=false -Dfaults.scale="$SCALE" \
  -Dtest='FaultScenariosTest,ContentionExactnessTest,ClientFaultsTest,BucketDeletedUnderLoadTest' \
  -Dsurefire.failIfNoSpecifiedTests=false) >"$log" 2>&1
rc=$?
set -e
echo "| scenario | mode | count | failures | leaks | max heap | max direct | max buffered / conn | neighbour p99 |"
echo "|---|---|---|---|---|---|---|---|---|"
grep -a '^FAULTS | ' "$log" | sed 's/^FAULTS | /| /; s/$/ |/'
echo
grep -a -E 'Tests run: [0-9]+, Failures' "$log" | tail -1
if [ $rc -ne 0 ]; then
  echo "FAILED (exit $rc); see $log" >&2
  grep -a -E '<<< FAIL|Expecting|LEAK' "$log" | head -20 >&2
fi
exit $rc
