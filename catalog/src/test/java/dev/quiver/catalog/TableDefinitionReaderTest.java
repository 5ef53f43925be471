package dev.quiver.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import dev.quiver.core.registry.testing.InMemoryFeatureRegistry;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.CatalogTable;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedCatalogTable;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.catalog.UniqueConstraint;
import org.junit.jupiter.api.Test;

/** The DDL → spec mapping, without a planner (unit level, over the in-memory fake registry). */
class TableDefinitionReaderTest {
  private final InMemoryFeatureRegistry registry = new InMemoryFeatureRegistry();

  private static ResolvedCatalogTable table(
      List<Column> columns, List<String> pk, Map<String, String> options) {
    ResolvedSchema schema =
        new ResolvedSchema(
            columns, List.of(), pk.isEmpty() ? null : UniqueConstraint.primaryKey("pk", pk));
    CatalogTable t =
        CatalogTable.newBuilder()
            .schema(Schema.newBuilder().fromResolvedSchema(schema).build())
            .comment("clicks per user")
            .options(options)
            .build();
    return new ResolvedCatalogTable(t, schema);
  }

  @Test
  void readsAViewAndItsNewEntity() {
    registry.apply(
        dev.quiver.core.spec.SpecParser.parse(
                """
                kind: kafka
                namespace: ml
                name: clicks
                schema: {uid: BIGINT, page: STRING, event_time: TIMESTAMP}
                event_time_field: event_time
                options: {topic: clicks, format: json}
                """,
                "clicks.yaml")
            .bundle(),
        "t",
        false);
    ResolvedCatalogTable t =
        table(
            List.of(
                Column.physical("uid", DataTypes.BIGINT().notNull()),
                Column.physical("event_time", DataTypes.TIMESTAMP_LTZ(3)),
                Column.physical("clicks_1h", DataTypes.BIGINT()).withComment("clicks"),
                Column.physical("last_pages", DataTypes.ARRAY(DataTypes.STRING()))),
            List.of("uid"),
            Map.of(
                "quiver.entities", "user",
                "quiver.source", "clicks",
                "quiver.ttl", "7d",
                "quiver.owner", "ml-team",
                "quiver.version", "v2",
                "quiver.tags.team", "growth",
                "quiver.feature.clicks_1h.aggregation", "count(*) over 1h",
                "quiver.feature.last_pages.aggregation", "last_n(page, 5) over 1d"));
    SpecBundle b = new TableDefinitionReader(registry, "ml", "user_clicks", null).read(t);
    FeatureView v = b.views().get(0);
    assertThat(v.namespace()).isEqualTo("ml");
    assertThat(v.version().major()).isEqualTo(2);
    assertThat(v.ttl()).isEqualTo(Duration.ofDays(7));
    assertThat(v.owner()).isEqualTo("ml-team");
    assertThat(v.description()).isEqualTo("clicks per user");
    assertThat(v.tags()).containsEntry("team", "growth");
    assertThat(v.features()).extracting(f -> f.name()).containsExactly("clicks_1h", "last_pages");
    assertThat(v.features().get(0).aggregation().function()).isEqualTo(AggregationFunction.COUNT);
    assertThat(v.features().get(0).description()).isEqualTo("clicks");
    assertThat(v.features().get(1).dtype())
        .isEqualTo(FeatureType.arrayOf(FeatureType.Scalar.STRING));
    assertThat(b.entities())
        .containsExactly(
            new Entity("ml", "user", List.of(new JoinKey("uid", FeatureType.INT64)), "", ""));
  }

  @Test
  void aBadAggregationOptionIsBlamedOnItsWindowAndNotAlsoOnTheColumn() {
    registry.apply(
        dev.quiver.core.spec.SpecParser.parse(
                """
                kind: kafka
                namespace: ml
                name: trips
                schema: {rider_id: STRING, fare_usd: DOUBLE, event_time: TIMESTAMP}
                event_time_field: event_time
                options: {topic: trips, format: json}
                """,
                "trips.yaml")
            .bundle(),
        "t",
        false);
    ResolvedCatalogTable t =
        table(
            List.of(
                Column.physical("rider_id", DataTypes.STRING().notNull()),
                Column.physical("r_avg", DataTypes.DOUBLE()),
                Column.physical("fare", DataTypes.DOUBLE())),
            List.of("rider_id"),
            Map.of(
                "quiver.entities", "rider",
                "quiver.source", "trips",
                "quiver.ttl", "1d",
                "quiver.feature.r_avg.aggregation", "avg(fare_usd) over 1 hour"));
    assertThatThrownBy(() -> new TableDefinitionReader(registry, "ml", "rider_bad", null).read(t))
        .isInstanceOf(ValidationException.class)
        .hasMessageStartingWith("Invalid feature view ml.rider_bad (2 problems):")
        // the window is what is wrong
        .hasMessageContaining(
            "option 'quiver.feature.r_avg.aggregation': window '1 hour' is not a duration")
        // and not also "column 'r_avg': 'r_avg' is not a column of source 'trips'"
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("column 'r_avg'"))
        // a row feature that is not a source column gets the fix in SQL words
        .hasMessageContaining(
            "column 'fare': 'fare' is not a column of source 'trips'; did you mean fare_usd? Or"
                + " compute it with 'quiver.feature.fare.expression'='<Flink SQL over the source"
                + " columns>' (or 'quiver.feature.fare.aggregation'='<function>(<column>) over"
                + " <window>')");
  }

  @Test
  void anEntityNameCloseToARegisteredOneIsATypoNotANewEntity() {
    // 'drivr' was registered as a second entity keyed by driver_id, and the view served under
    // entity_name drivr, without a word
    registry.apply(
        new SpecBundle(
            List.of(
                new Entity(
                    "ml", "driver", List.of(new JoinKey("driver_id", FeatureType.STRING)), "", "")),
            List.of(),
            List.of(),
            List.of()),
        "t",
        false);
    ResolvedCatalogTable t =
        table(
            List.of(
                Column.physical("driver_id", DataTypes.STRING().notNull()),
                Column.physical("f", DataTypes.DOUBLE())),
            List.of("driver_id"),
            Map.of("quiver.entities", "drivr", "quiver.ttl", "1d"));
    assertThatThrownBy(() -> new TableDefinitionReader(registry, "ml", "v", null).read(t))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining(
            "option 'quiver.entities': entity 'drivr' is not registered in namespace ml; did you"
                + " mean 'driver'? (registered entities: driver)");
    // a name close to no registered entity is not refused (it is registered with the view; here
    // the view has other problems)
    ResolvedCatalogTable other =
        table(
            List.of(
                Column.physical("zone_id", DataTypes.INT().notNull()),
                Column.physical("f", DataTypes.DOUBLE())),
            List.of("zone_id"),
            Map.of("quiver.entities", "zone", "quiver.ttl", "1d"));
    assertThatThrownBy(() -> new TableDefinitionReader(registry, "ml", "v2", null).read(other))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("quiver.entities"));
  }

  @Test
  void registeredEntityKeysMustMatchThePrimaryKey() {
    registry.apply(
        new SpecBundle(
            List.of(
                new Entity(
                    "ml", "user", List.of(new JoinKey("user_id", FeatureType.STRING)), "", "")),
            List.of(),
            List.of(),
            List.of()),
        "t",
        false);
    ResolvedCatalogTable t =
        table(
            List.of(
                Column.physical("user_id", DataTypes.BIGINT().notNull()),
                Column.physical("f", DataTypes.DOUBLE())),
            List.of("user_id"),
            Map.of("quiver.entities", "user", "quiver.ttl", "1d"));
    assertThatThrownBy(() -> new TableDefinitionReader(registry, "ml", "v", null).read(t))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining(
            "column 'user_id': join key of entity 'user' has type STRING; declare it as STRING");
  }

  @Test
  void reportsEveryProblemAtOnce() {
    ResolvedCatalogTable t =
        table(
            List.of(
                Column.physical("id", DataTypes.STRING().notNull()),
                Column.physical("event_time", DataTypes.BIGINT()),
                Column.physical("price", DataTypes.DECIMAL(10, 2)),
                Column.physical("n", DataTypes.SMALLINT()),
                Column.physical("m", DataTypes.DOUBLE())),
            List.of("id"),
            Map.of(
                "quiver.entities", "item",
                "quiver.tll", "1d",
                "quiver.version", "v1.2",
                "quiver.status", "RETIRED",
                "quiver.online", "yes",
                "connector", "kafka",
                "quiver.feature.prize.expression", "x",
                "quiver.feature.m.aggregation", "avg(price) over 7q"));
    assertThatThrownBy(() -> new TableDefinitionReader(registry, "ml", "items", null).read(t))
        .isInstanceOf(ValidationException.class)
        .hasMessageStartingWith("Invalid feature view ml.items (12 problems):")
        .hasMessageContaining("option 'quiver.tll': unknown option; did you mean 'quiver.ttl'?")
        .hasMessageContaining("option 'quiver.ttl': missing")
        .hasMessageContaining("option 'connector': 'kafka' (expected: 'quiver'")
        .hasMessageContaining(
            "option 'quiver.feature.prize.expression': no column 'prize'; did you mean 'price'?")
        .hasMessageContaining("column 'event_time': BIGINT (expected: TIMESTAMP_LTZ(3))")
        .hasMessageContaining(
            "column 'price': type DECIMAL(10, 2) is not a feature type; use DOUBLE")
        .hasMessageContaining("column 'n': type SMALLINT is not a feature type; use INT")
        .hasMessageContaining("option 'quiver.version': 'v1.2' names a revision")
        .hasMessageContaining("option 'quiver.status': 'RETIRED' cannot be set here")
        .hasMessageContaining("option 'quiver.online': 'yes' (expected: true or false)")
        .hasMessageContaining(
            "option 'quiver.feature.m.aggregation': window '7q' is not a duration");
  }

  @Test
  void missingPrimaryKeyAndEntities() {
    ResolvedCatalogTable t =
        table(
            List.of(Column.physical("f", DataTypes.DOUBLE())),
            List.of(),
            Map.of("quiver.ttl", "1d"));
    assertThatThrownBy(() -> new TableDefinitionReader(registry, "ml", "v", null).read(t))
        .hasMessageContaining("PRIMARY KEY: missing; declare the entity join keys")
        .hasMessageContaining("option 'quiver.entities': missing");
  }

  @Test
  void unknownSourceIsNamed() {
    ResolvedCatalogTable t =
        table(
            List.of(
                Column.physical("id", DataTypes.STRING().notNull()),
                Column.physical("f", DataTypes.DOUBLE())),
            List.of("id"),
            Map.of("quiver.entities", "item", "quiver.ttl", "1d", "quiver.source", "clicks"));
    assertThatThrownBy(() -> new TableDefinitionReader(registry, "ml", "v", null).read(t))
        .hasMessageContaining("option 'quiver.source': no source 'clicks' in namespace ml");
  }
}
