"""Feast's get_historical_features on the Quiver training-set benchmark's Parquet files.

Called by dev.quiver.offline.bench.TrainingSetBench with the same event files (one per view) and
label file; --fraction takes a slice of the labels (the bench gives the DuckDB store all of them and
the file store 10%, because it takes minutes for 1M label rows here).
--store picks the offline store: duckdb (DuckDBOfflineStore) or file (Feast's default file store).
Writes {"seconds", "cpu_seconds", "rows" (returned), "label_rows" (of the slice), "offline_store"}
to --out.
"""
import argparse
import json
import os
import time
from datetime import timedelta

import pandas as pd
from feast import Entity, FeatureStore, FeatureView, Field, FileSource
from feast.repo_config import RepoConfig
from feast.types import Float64, Int64


def offline_store(kind):
    """Feast's DuckDB offline store, or its default `file` store (pandas + dask in Feast 0.67)."""
    if kind == "duckdb":
        from feast.infra.offline_stores.duckdb import DuckDBOfflineStoreConfig

        return DuckDBOfflineStoreConfig(), "duckdb"
    from feast.infra.offline_stores.dask import DaskOfflineStoreConfig

    return DaskOfflineStoreConfig(type="file"), "file"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--events-dir", required=True)
    p.add_argument("--labels", required=True)
    p.add_argument("--fraction", type=float, default=0.1)
    p.add_argument("--work", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--store", choices=["duckdb", "file"], default="duckdb")
    a = p.parse_args()
    a.events_dir, a.labels, a.work = map(os.path.abspath, (a.events_dir, a.labels, a.work))
    os.makedirs(a.work, exist_ok=True)
    store_cfg, kind = offline_store(a.store)
    config = RepoConfig(
        project="quiver_bench",
        registry=os.path.join(a.work, "registry.db"),
        provider="local",
        offline_store=store_cfg,
        online_store={"type": "sqlite", "path": os.path.join(a.work, "online.db")},
        entity_key_serialization_version=3,
        repo_path=a.work,
    )
    store = FeatureStore(config=config)
    user = Entity(name="user", join_keys=["user_id"])
    views = []
    for name in ["bench_a", "bench_b", "bench_c"]:
        src = FileSource(
            name=name + "_src",
            path=os.path.join(a.events_dir, name + ".parquet"),
            timestamp_field="event_time",
        )
        views.append(
            FeatureView(
                name=name,
                entities=[user],
                ttl=timedelta(days=7),
                schema=[Field(name="f_double", dtype=Float64), Field(name="f_long", dtype=Int64)],
                source=src,
            )
        )
    store.apply([user] + views)
    labels = pd.read_parquet(a.labels)
    labels = labels.head(int(len(labels) * a.fraction)).rename(columns={"ts": "event_timestamp"})
    features = [f"{v.name}:{f}" for v in views for f in ("f_double", "f_long")]
    t0 = time.time()
    c0 = time.process_time()
    df = store.get_historical_features(
        entity_df=labels, features=features, full_feature_names=True
    ).to_df()
    secs = time.time() - t0
    cpu = time.process_time() - c0
    with open(a.out, "w") as f:
        json.dump(
            {
                "seconds": secs,
                "cpu_seconds": cpu,
                "rows": len(df),
                "label_rows": len(labels),
                "offline_store": kind,
            }, f
        )
    print(f"feast ({kind} offline store): {len(df)} rows in {secs:.1f} s")


if __name__ == "__main__":
    main()
