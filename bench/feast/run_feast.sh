#!/usr/bin/env bash
# Feast baseline for the lookup benchmark: installs Feast into bench/.venv, materializes the same
# keys and features as LookupBench (entity user, 5 features) into a SQLite online store, starts
# `feast serve` on 127.0.0.1, and drives it with the same open-model Java generator (FeastBench),
# which writes target/bench/feast.json. Run it before `make bench` so LookupBench prints the ratio.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KEYS="${QUIVER_BENCH_KEYS:-100000}"
PORT="${QUIVER_FEAST_PORT:-6566}"
VENV="$ROOT/bench/.venv"
REPO="$(mktemp -d /tmp/quiver-feast-XXXXXX)"

bash "$ROOT/bench/feast/venv.sh"

mkdir -p "$REPO/data"
cat > "$REPO/feature_store.yaml" <<YAML
project: quiver_bench
provider: local
registry: data/registry.db
online_store:
  type: sqlite
  path: data/online.db
offline_store:
  type: file
entity_key_serialization_version: 3
YAML

cat > "$REPO/repo.py" <<'PY'
from datetime import timedelta
from feast import Entity, FeatureView, Field, FileSource
from feast.types import Bool, Float64, Int64, String

user = Entity(name="user", join_keys=["user_id"])
source = FileSource(path="data/users.parquet", timestamp_field="event_time")
user_activity_metrics = FeatureView(
    name="user_activity_metrics",
    entities=[user],
    ttl=timedelta(days=30),
    schema=[
        Field(name="txn_count", dtype=Int64),
        Field(name="total_spend_usd", dtype=Float64),
        Field(name="segment", dtype=String),
        Field(name="is_premium", dtype=Bool),
        Field(name="days_active", dtype=Int64),
    ],
    source=source,
)
PY

cd "$REPO"
"$VENV/bin/python" - "$KEYS" <<'PY'
import sys
from datetime import datetime, timezone, timedelta
import pandas as pd
n = int(sys.argv[1])
now = datetime.now(timezone.utc) - timedelta(seconds=1)
df = pd.DataFrame({
    "user_id": [f"u{i}" for i in range(n)],
    "txn_count": list(range(n)),
    "total_spend_usd": [i * 1.25 for i in range(n)],
    "segment": ["gold" if i % 2 == 0 else "silver" for i in range(n)],
    "is_premium": [i % 3 == 0 for i in range(n)],
    "days_active": [i % 365 for i in range(n)],
    "event_time": [now] * n,
})
df.to_parquet("data/users.parquet")
PY
"$VENV/bin/feast" apply >/dev/null
"$VENV/bin/python" - <<'PY'
import pandas as pd
from feast import FeatureStore
store = FeatureStore(repo_path=".")
df = pd.read_parquet("data/users.parquet")
store.write_to_online_store("user_activity_metrics", df)
print("feast: materialized", len(df), "keys into SQLite")
PY

"$VENV/bin/feast" serve -h 127.0.0.1 -p "$PORT" >"$REPO/serve.log" 2>&1 &
FEAST_PID=$!
trap 'kill $FEAST_PID 2>/dev/null || true; rm -rf "$REPO"' EXIT
for _ in $(seq 1 120); do
  if curl -sf -o /dev/null "http://127.0.0.1:$PORT/health"; then break; fi
  sleep 1
done
curl -sf "http://127.0.0.1:$PORT/get-online-features" -H 'content-type: application/json' \
  -d '{"features":["user_activity_metrics:txn_count"],"entities":{"user_id":["u1"]}}' >/dev/null

cd "$ROOT"
QUIVER_FEAST_URL="http://127.0.0.1:$PORT" QUIVER_BENCH_KEYS="$KEYS" bash bench/run.sh FeastBench
