#!/usr/bin/env bash
# `make bench`: runs every benchmark main class (named *Bench, in a module's test sources).
# Each prints its figures and writes JSON under target/bench/ (QUIVER_BENCH_DIR).
# Each deletes its work directories under the temp directory when done; QUIVER_BENCH_KEEP_DIR=true keeps them.
# Usage: bench/run.sh [filter]   e.g. bench/run.sh Lookup   runs only benchmarks whose class matches.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export QUIVER_BENCH_DIR="${QUIVER_BENCH_DIR:-$ROOT/target/bench}"
mkdir -p "$QUIVER_BENCH_DIR"
FILTER="${1:-}"
MVN="${MVN:-mvn -B -ntp -q}"
OPENS="--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.sql/java.sql=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED"

declare -A CP_CACHE=()

# Builds (once per module) the module's test classpath through the reactor, so sibling modules resolve to
# their target/ directories without installing anything.
module_classpath() {
  local module="$1"
  if [[ -z "${CP_CACHE[$module]:-}" ]]; then
    local out="$ROOT/target/bench/.cp-$module.txt"
    $MVN -o -pl "$module" -am test-compile dependency:build-classpath \
      -Dmdep.includeScope=test -Dmdep.outputFile="$out" >/dev/null
    CP_CACHE[$module]="$ROOT/$module/target/test-classes:$ROOT/$module/target/classes:$(cat "$out")"
  fi
  echo "${CP_CACHE[$module]}"
}

run_bench() {
  local module="$1" main="$2"
  shift 2
  if [[ -n "$FILTER" && "$main" != *"$FILTER"* ]]; then return 0; fi
  echo "=== $main ($module)"
  local cp
  cp="$(module_classpath "$module")"
  java ${QUIVER_BENCH_JAVA_OPTS:--Xmx4g} $OPENS -cp "$cp" "$main" "$@"
}

# Feast's Python feature server, the lookup baseline: bench/feast/run_feast.sh installs Feast into
# bench/.venv (pip), starts `feast serve` and re-enters this script with QUIVER_FEAST_URL set, so
# FeastBench writes feast.json before LookupBench reads it for the ratio. QUIVER_BENCH_FEAST=false skips it.
run_feast() {
  local main=dev.quiver.serving.bench.FeastBench
  if [[ -n "$FILTER" && "$main" != *"$FILTER"* ]]; then return 0; fi
  if [[ -n "${QUIVER_FEAST_URL:-}" ]]; then
    run_bench serving-armeria "$main"
  elif [[ "${QUIVER_BENCH_FEAST:-true}" == "false" ]]; then
    echo "=== $main skipped (QUIVER_BENCH_FEAST=false)"
  else
    bash "$ROOT/bench/feast/run_feast.sh" || echo "=== $main failed (above); LookupBench prints no Feast ratio"
  fi
}

run_bench core dev.quiver.core.registry.bench.RegistryBench
run_bench online-store dev.quiver.online.bench.RawStoreBench
run_feast
run_bench serving-armeria dev.quiver.serving.bench.LookupBench
# The training-set bench's Feast baselines need bench/.venv even when it runs alone.
if [[ "${QUIVER_BENCH_FEAST:-true}" != "false" && ( -z "$FILTER" || "dev.quiver.offline.bench.TrainingSetBench" == *"$FILTER"* ) ]]; then
  bash "$ROOT/bench/feast/venv.sh" || echo "=== Feast install failed (above); TrainingSetBench runs without its Feast baselines"
fi
run_bench iceberg-tables dev.quiver.offline.bench.TrainingSetBench
run_bench jobs dev.quiver.jobs.bench.IngestBench
run_bench jobs dev.quiver.offline.bench.BackfillBench
run_bench jobs dev.quiver.jobs.bench.HBaseIngestBench
