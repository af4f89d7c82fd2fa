#!/usr/bin/env bash
# Range-scan benchmark: throughput (items/s, MB/s; key-only and 1 KiB documents; 1 and 4 concurrent
# scans) in spool and in sync hand-off mode, and the p50/p99 latency of plain gets from another
# client on the same event loop. Prints the table and leaves it in kv-tests/target/bench/range-scans.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -B -q -pl kv-tests -am verify -Dtest=RangeScanBenchmark -Dsurefire.failIfNoSpecifiedTests=false
cat kv-tests/target/bench/range-scans.txt
