#!/usr/bin/env bash
# Installs Feast (with its DuckDB offline store) into bench/.venv once; both Feast baselines use it:
# the lookup baseline (run_feast.sh) and the training-set baseline (TrainingSetBench).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FEAST_VERSION="${QUIVER_FEAST_VERSION:-0.67.0}"
VENV="$ROOT/bench/.venv"
if [[ ! -x "$VENV/bin/feast" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "feast[duckdb]==$FEAST_VERSION"
fi
