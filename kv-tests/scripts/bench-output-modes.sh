#!/usr/bin/env bash
# Spool vs sync hand-off: runs kv-tests' OutputModeBenchmark (never part of `mvn verify`) and shows
# its table, also left in kv-tests/target/bench/output-modes.txt.
#
# Knobs go through to the benchmark as system properties, e.g.
#   kv-tests/scripts/bench-output-modes.sh -Dbench.runs=7 -Dbench.sizes=64,16384 -Dbench.producers=4
# (also bench.seconds, bench.leakDetection). The machine should be otherwise idle: figures are
# medians of alternating runs, not assertions.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
result=kv-tests/target/bench/output-modes.txt
rm -f "$result"
mvn -B -q -pl kv-tests -am verify \
    -Dtest=OutputModeBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Djacoco.skip=true \
    -Dkv.redirectTestOutput=false "$@"
echo
echo "---- $result"
cat "$result"
