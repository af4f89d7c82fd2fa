#!/usr/bin/env bash
# Coverage-guided fuzzing (Jazzer) of every fuzz target, each for DURATION, one after the other, then
# one line per target: executions, coverage (edges), corpus size, and findings. A finding fails the
# target: Jazzer writes the crashing input under kv-frontend/src/test/resources/.../*Inputs/<method>/,
# where it becomes a regression input that every build replays (commit it with the fix). The
# generated corpus grows in kv-frontend/.cifuzz-corpus/ (not committed) and seeds the next run.
#
#   DURATION=10m bash kv-tests/scripts/fuzz.sh            (TARGETS="pipeline sasl" for some of them)
#
# The build runs each target for 15 s (kv-frontend's fuzz-* executions, -Dfuzz.duration=...).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-5m}
declare -A TARGET=(
  [pipeline]=io.kvfrontend.dispatch.PipelineFuzzTest#anyBytesThroughTheDecoderAndEveryExecutor
  [subdoc]=io.kvfrontend.dispatch.SubdocFuzzTest#pathsLookupsAndMutationsOnAnyDocument
  [scan-json]=io.kvfrontend.dispatch.SubdocFuzzTest#rangeScanCreateJsonIsParsedOrRefused
  [sasl]=io.kvfrontend.auth.SaslFuzzTest#anyClientMessagesGetAnOutcome
  [config]=io.kvfrontend.config.ConfigFuzzTest#anyFileAndEnvironmentGiveAConfigOrAConfigException
)
TARGETS=${TARGETS:-pipeline subdoc scan-json sasl config}
mvn -B -q -ntp -DskipTests install >/dev/null
out=kv-tests/target/fuzz
mkdir -p "$out"
rows=()
status=0
for name in $TARGETS; do
  test=${TARGET[$name]:?unknown target $name}
  log="$out/$name.log"
  echo "fuzzing $name for $DURATION ..." >&2
  if JAZZER_FUZZ=1 mvn -B -ntp -o -pl kv-frontend surefire:test -Dtest="$test" \
      -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.max_duration="$DURATION" >"$log" 2>&1; then
    result=ok
  else
    result=FINDING
    status=1
  fi
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$done_line")
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
  corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$done_line")
  rate=$(sed -n 's/.* exec\/s: \([0-9]*\).*/\1/p' <<<"$done_line")
  leaks=$(grep -c 'LEAK:' "$log" || true)
  rows+=("$(printf '%-10s %12s %9s %7s %7s %6s  %s' "$name" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${corp:-?}" "$leaks" "$result")")
done
printf '%-10s %12s %9s %7s %7s %6s  %s\n' target executions exec/s edges corpus leaks result
printf '%s\n' "${rows[@]}"
echo "logs: $out/" >&2
exit $status
