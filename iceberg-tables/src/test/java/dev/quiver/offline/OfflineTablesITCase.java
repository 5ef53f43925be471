package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Version;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OfflineTablesITCase {
  @TempDir Path dir;

  @Test
  void createsTheLayoutAndEvolvesCompatibleRevisions() {
    Catalog catalog = OfflineCatalogs.hadoop(dir);
    FeatureView view = TestViews.userTxnAggs();
    Table t = OfflineTables.ensureTable(catalog, view);

    assertThat(t.name()).endsWith("default.user_txn_aggs_v1");
    assertThat(t.spec().fields())
        .singleElement()
        .satisfies(f -> assertThat(f.transform().toString()).isEqualTo("day"));
    assertThat(((org.apache.iceberg.HasTableOperations) t).operations().current().formatVersion())
        .isEqualTo(2);
    assertThat(t.schema().columns().stream().map(Types.NestedField::name))
        .containsExactly(
            "user_id", "event_time", "_in_amount", "_in_merchant", "_seq", "_ingested_at");
    assertThat(t.schema().findField("event_time").type()).isEqualTo(Types.TimestampType.withZone());
    assertThat(t.schema().findField("_in_amount").type()).isEqualTo(Types.DoubleType.get());

    // idempotent
    OfflineTables.ensureTable(catalog, view);
    assertThat(catalog.loadTable(OfflineTables.identifier(view)).schema().columns()).hasSize(6);

    // a compatible revision adds a row feature: the column is added
    List<Feature> more = new ArrayList<>(view.features());
    more.add(Feature.row("segment", FeatureType.STRING));
    FeatureView rev1 =
        FeatureView.builder(view.name())
            .entities(view.entities())
            .source(view.source())
            .version(new Version(1, 1))
            .features(more)
            .tileSize(view.tileSize())
            .build();
    Table evolved = OfflineTables.ensureTable(catalog, rev1);
    assertThat(evolved.schema().findField("segment")).isNotNull();
    assertThat(evolved.properties())
        .containsEntry(OfflineTables.VIEW_PROPERTY, "default.user_txn_aggs:v1.1");

    // a retype is refused with the fix
    FeatureView retyped =
        FeatureView.builder(view.name())
            .entities(view.entities())
            .source(view.source())
            .version(new Version(1, 2))
            .features(List.of(Feature.row("segment", FeatureType.INT64)))
            .build();
    assertThatThrownBy(() -> OfflineTables.ensureTable(catalog, retyped))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("column 'segment' is string")
        .hasMessageContaining("bump the view's major version");

    // a new major is a new table
    FeatureView v2 = TestViews.merchantRisk();
    assertThat(OfflineTables.ensureTable(catalog, v2).name()).endsWith("default.merchant_risk_v2");
  }

  @Test
  void expiresSnapshotsPerView() throws Exception {
    Catalog catalog = OfflineCatalogs.hadoop(dir);
    FeatureView view = TestViews.userProfile();
    Table t = OfflineTables.ensureTable(catalog, view);
    for (int i = 0; i < 5; i++) {
      SnapshotRetentionITCase.commit(t, i);
    }
    int snaps = 0;
    for (var s : t.snapshots()) {
      snaps++;
    }
    assertThat(snaps).isEqualTo(5);
    int expired = OfflineTables.expireSnapshots(catalog, view, Instant.now().plusSeconds(1), 2);
    assertThat(expired).isEqualTo(3);
    assertThatThrownBy(() -> OfflineTables.expireSnapshots(catalog, view, Instant.now(), 0))
        .hasMessage("retainLast: 0 (expected: >= 1)");
  }

  @Test
  void catalogOptionsAreChecked() {
    assertThatThrownBy(
            () -> OfflineCatalogs.open(QuiverConfig.of(Map.of("offline.catalog-type", "hive"))))
        .hasMessage("offline.catalog-type: 'hive' (expected one of: hadoop, jdbc)");
    assertThatThrownBy(
            () -> OfflineCatalogs.open(QuiverConfig.of(Map.of("offline.catalog-type", "jdbc"))))
        .hasMessageContaining("offline.properties.uri: missing");
    Map<String, String> props =
        OfflineCatalogs.properties(
            QuiverConfig.of(
                Map.of(
                    "offline.warehouse",
                    dir.toString(),
                    "offline.properties.io-impl",
                    "org.apache.iceberg.hadoop.HadoopFileIO")));
    assertThat(props)
        .containsEntry("type", "hadoop")
        .containsEntry("warehouse", dir.toUri().toString())
        .containsEntry("io-impl", "org.apache.iceberg.hadoop.HadoopFileIO");
  }
}
