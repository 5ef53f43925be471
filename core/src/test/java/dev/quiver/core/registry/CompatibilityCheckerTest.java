package dev.quiver.core.registry;

import static dev.quiver.core.registry.ApplyResult.Compatibility.BREAKING;
import static dev.quiver.core.registry.ApplyResult.Compatibility.COMPATIBLE;
import static dev.quiver.core.registry.RegistryFixtures.count7d;
import static dev.quiver.core.registry.RegistryFixtures.lastMerchant;
import static dev.quiver.core.registry.RegistryFixtures.plus;
import static dev.quiver.core.registry.RegistryFixtures.rowFeature;
import static dev.quiver.core.registry.RegistryFixtures.spend30d;
import static dev.quiver.core.registry.RegistryFixtures.transactions;
import static dev.quiver.core.registry.RegistryFixtures.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.registry.ApplyResult.Change;
import dev.quiver.core.registry.ApplyResult.Compatibility;
import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import dev.quiver.core.spec.Transformation;
import dev.quiver.core.spec.Version;
import dev.quiver.core.spec.ViewStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every compatible and every breaking kind of change, one case each (see docs/registry.md). */
class CompatibilityCheckerTest {
  private final CompatibilityChecker checker = new CompatibilityChecker();

  static Stream<Arguments> changes() {
    return Stream.of(
        // ---- compatible
        c(
            "add a feature",
            b -> b.features(plus(rowFeature("user_country", FeatureType.STRING))),
            "features[user_country]",
            COMPATIBLE),
        c("owner", b -> b.owner("risk@example.com"), "owner", COMPATIBLE),
        c("description", b -> b.description("other words"), "description", COMPATIBLE),
        c(
            "add a tag",
            b -> b.tags(Map.of("domain", "payments", "pii", "no", "tier", "1")),
            "tags.tier",
            COMPATIBLE),
        c(
            "change a tag",
            b -> b.tags(Map.of("domain", "risk", "pii", "no")),
            "tags.domain",
            COMPATIBLE),
        c("remove a tag", b -> b.tags(Map.of("domain", "payments")), "tags.pii", COMPATIBLE),
        c("freshness SLA", b -> b.slaFreshness(Duration.ofSeconds(5)), "sla_freshness", COMPATIBLE),
        c("ttl increase", b -> b.ttl(Duration.ofDays(30)), "ttl", COMPATIBLE),
        c(
            "allowed lateness increase",
            b -> b.allowedLateness(Duration.ofHours(1)),
            "allowed_lateness",
            COMPATIBLE),
        c("online switched on", b -> b.online(true), "online", COMPATIBLE, b -> b.online(false)),
        c(
            "offline switched on",
            b -> b.offline(true),
            "offline",
            COMPATIBLE,
            b -> b.offline(false)),
        c(
            "feature description",
            withLastMerchant(
                new Feature(
                    "user_last_merchant",
                    FeatureType.STRING,
                    "new words",
                    "merchant",
                    null,
                    Map.of("pii", "no"))),
            "features[user_last_merchant].description",
            COMPATIBLE),
        c(
            "feature tag",
            withLastMerchant(
                new Feature(
                    "user_last_merchant",
                    FeatureType.STRING,
                    "",
                    "merchant",
                    null,
                    Map.of("pii", "yes"))),
            "features[user_last_merchant].tags.pii",
            COMPATIBLE),
        c(
            "reorder features",
            b -> b.features(List.of(spend30d(), count7d(), lastMerchant())),
            "features",
            COMPATIBLE),
        c(
            "source column added",
            b -> b.source(source(s -> s.withSchema(plusColumn(s)))),
            "source.schema[country]",
            COMPATIBLE),
        c(
            "watermark delay increase",
            b -> b.source(source(s -> s.withWatermarkDelay(Duration.ofSeconds(60)))),
            "source.watermark_delay",
            COMPATIBLE),
        c(
            "client-only source option",
            b ->
                b.source(
                    source(s -> s.withMoreOptions(Map.of("bootstrap_servers", "kafka-2:9092")))),
            "source.options.bootstrap_servers",
            COMPATIBLE),
        c(
            "consumer group", // the check named an option 'group' that no source has
            b -> b.source(source(s -> s.withMoreOptions(Map.of("group_id", "fraud-team")))),
            "source.options.group_id",
            COMPATIBLE),
        c(
            "client property",
            b ->
                b.source(source(s -> s.withMoreOptions(Map.of("properties.fetch.min.bytes", "1")))),
            "source.options.properties.fetch.min.bytes",
            COMPATIBLE),
        c(
            "transformation reformatted",
            b ->
                b.transformations(
                    List.of(
                        new Transformation(
                            "flink",
                            "SELECT user_id,\n   merchant, amount, event_time\n FROM transactions"))),
            "transformations[0].code",
            COMPATIBLE),
        // ---- breaking
        c(
            "remove a feature",
            b -> b.features(List.of(count7d(), spend30d())),
            "features[user_last_merchant]",
            BREAKING),
        c(
            "retype a feature",
            withLastMerchant(rowFeatureExpr("user_last_merchant", FeatureType.INT64, "merchant")),
            "features[user_last_merchant].dtype",
            BREAKING),
        c(
            "feature expression",
            withLastMerchant(
                rowFeatureExpr("user_last_merchant", FeatureType.STRING, "UPPER(merchant)")),
            "features[user_last_merchant].expression",
            BREAKING),
        c(
            "aggregation column",
            withSpend(agg("user_total_spend_usd", "amount_usd", AggregationFunction.SUM, 30)),
            "features[user_total_spend_usd].aggregation.column",
            BREAKING),
        c(
            "aggregation function",
            withSpend(agg("user_total_spend_usd", "amount", AggregationFunction.MAX, 30)),
            "features[user_total_spend_usd].aggregation.function",
            BREAKING),
        c(
            "aggregation window",
            withSpend(agg("user_total_spend_usd", "amount", AggregationFunction.SUM, 7)),
            "features[user_total_spend_usd].aggregation.window",
            BREAKING),
        c(
            "row feature becomes aggregation",
            withLastMerchant(
                new Feature(
                    "user_last_merchant",
                    FeatureType.STRING,
                    "",
                    null,
                    new Aggregation("merchant", AggregationFunction.LAST, Duration.ofDays(1), 0),
                    Map.of("pii", "no"))),
            "features[user_last_merchant].aggregation",
            BREAKING),
        c("entities", b -> b.entities(List.of("user", "merchant")), "entities", BREAKING),
        c(
            "transformation code",
            b ->
                b.transformations(
                    List.of(
                        new Transformation(
                            "flink",
                            "SELECT user_id, merchant, amount * 100 AS amount, event_time FROM transactions"))),
            "transformations[0].code",
            BREAKING),
        c(
            "transformation language",
            b ->
                b.transformations(
                    List.of(
                        new Transformation(
                            "python",
                            "SELECT user_id, merchant, amount, event_time FROM transactions"))),
            "transformations[0].language",
            BREAKING),
        c(
            "transformation added",
            b ->
                b.transformations(
                    List.of(
                        new Transformation(
                            "flink",
                            "SELECT user_id, merchant, amount, event_time FROM transactions"),
                        new Transformation("flink", "SELECT 1"))),
            "transformations[1]",
            BREAKING),
        c(
            "transformation removed",
            b -> b.transformations(List.of()),
            "transformations[0]",
            BREAKING),
        c(
            "source renamed",
            b ->
                b.source(
                    source(
                        s ->
                            new Source(
                                s.namespace(),
                                "payments",
                                s.kind(),
                                s.schema(),
                                s.eventTimeField(),
                                s.dedupKey(),
                                s.watermarkDelay(),
                                s.options()))),
            "source.name",
            BREAKING),
        c(
            "source kind",
            b -> b.source(source(s -> s.withKind("iceberg"))),
            "source.kind",
            BREAKING),
        c(
            "event-time field",
            b -> b.source(source(s -> s.withEventTimeField("ingest_time"))),
            "source.event_time_field",
            BREAKING),
        c(
            "dedup key",
            b -> b.source(source(s -> s.withDedupKey(null))),
            "source.dedup_key",
            BREAKING),
        c(
            "topic",
            b -> b.source(source(s -> s.withMoreOptions(Map.of("topic", "transactions_v2")))),
            "source.options.topic",
            BREAKING),
        c(
            "format",
            b -> b.source(source(s -> s.withMoreOptions(Map.of("format", "avro")))),
            "source.options.format",
            BREAKING),
        c(
            "source column removed",
            b -> b.source(source(s -> s.withSchema(s.schema().subList(0, 4)))),
            "source.schema[txn_id]",
            BREAKING),
        c(
            "source column retyped",
            b ->
                b.source(
                    source(
                        s ->
                            s.withSchema(
                                List.of(
                                    new SourceField("user_id", FeatureType.INT64),
                                    s.schema().get(1),
                                    s.schema().get(2),
                                    s.schema().get(3),
                                    s.schema().get(4))))),
            "source.schema[user_id].type",
            BREAKING),
        c("source removed", b -> b.source(null), "source", BREAKING),
        c("watermark expression", b -> b.watermarkExpr("ingest_time"), "watermark_expr", BREAKING),
        c(
            "watermark delay decrease",
            b -> b.source(source(s -> s.withWatermarkDelay(Duration.ofSeconds(1)))),
            "source.watermark_delay",
            BREAKING),
        c("tile size", b -> b.tileSize(Duration.ofMinutes(1)), "tile_size", BREAKING),
        c(
            "availability delay",
            b -> b.availabilityDelay(Duration.ofMinutes(10)),
            "availability_delay",
            BREAKING),
        c("ttl decrease", b -> b.ttl(Duration.ofDays(1)), "ttl", BREAKING),
        c(
            "allowed lateness decrease",
            b -> b.allowedLateness(Duration.ofMinutes(1)),
            "allowed_lateness",
            BREAKING),
        c("online switched off", b -> b.online(false), "online", BREAKING),
        c("offline switched off", b -> b.offline(false), "offline", BREAKING));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("changes")
  void classifiesEachKindOfChange(
      String name,
      Consumer<FeatureView.Builder> change,
      String path,
      Compatibility expected,
      Consumer<FeatureView.Builder> base) {
    FeatureView old = view(3, base);
    FeatureView neu = view(3, base.andThen(change));
    List<Change> diffs = checker.diff(old, neu);
    assertThat(diffs)
        .as(name)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.path()).isEqualTo(path);
              assertThat(c.compatibility()).isEqualTo(expected);
              assertThat(c.description()).isNotBlank();
            });
    assertThat(CompatibilityChecker.isBreaking(diffs)).isEqualTo(expected == BREAKING);
  }

  @Test
  void aTagChangeShowsTheOldAndTheNewValue() {
    // the change history showed "changed tag domain=risk": not what it was before
    FeatureView old = view(3, b -> b.tags(Map.of("domain", "payments", "pii", "no")));
    FeatureView neu = view(3, b -> b.tags(Map.of("domain", "risk", "tier", "1")));
    assertThat(checker.diff(old, neu))
        .extracting(Change::path, Change::description)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "tags.domain", "changed tag domain 'payments' -> 'risk'"),
            org.assertj.core.groups.Tuple.tuple("tags.pii", "removed tag pii (was 'no')"),
            org.assertj.core.groups.Tuple.tuple("tags.tier", "added tag tier='1'"));
  }

  @Test
  void registryOwnedFieldsAreNotChanges() {
    FeatureView v = view(3);
    assertThat(checker.diff(v, v)).isEmpty();
    assertThat(checker.diff(v, v.withVersion(new Version(3, 7)).withStatus(ViewStatus.DRAFT)))
        .isEmpty();
    assertThat(SpecJson.checksum(v))
        .isEqualTo(
            SpecJson.checksum(v.withVersion(new Version(3, 2)).withStatus(ViewStatus.DEPRECATED)));
    assertThat(SpecJson.checksum(v)).isNotEqualTo(SpecJson.checksum(view(3, b -> b.owner("x"))));
  }

  @Test
  void watermarkExprNamingTheSourceEventTimeFieldIsNoChange() {
    // watermark_expr defaults to the source's event_time_field (docs/spec-reference.md): writing
    // it out, or leaving it out again, changes no row's event time.
    FeatureView implicit = view(3);
    FeatureView explicit = view(3, b -> b.watermarkExpr("event_time"));
    assertThat(checker.diff(implicit, explicit)).isEmpty();
    assertThat(checker.diff(explicit, implicit)).isEmpty();
  }

  @Test
  void reportsEveryChangeNotOnlyTheFirst() {
    FeatureView neu =
        view(3, b -> b.owner("x").features(List.of(count7d())).tileSize(Duration.ofMinutes(10)));
    assertThat(checker.diff(view(3), neu))
        .extracting(Change::path)
        .containsExactly(
            "features[user_total_spend_usd]", "features[user_last_merchant]", "tile_size", "owner");
  }

  @Test
  void storedJsonRoundTripsEveryField() {
    FeatureView v =
        view(
            3,
            b ->
                b.availabilityDelay(Duration.ofSeconds(30))
                    .online(false)
                    .status(ViewStatus.DRAFT)
                    .features(
                        plus(
                            new Feature(
                                "last5",
                                FeatureType.arrayOf(FeatureType.Scalar.FLOAT32),
                                "",
                                null,
                                new Aggregation(
                                    "amount", AggregationFunction.LAST_N, Duration.ofHours(1), 5),
                                Map.of()))));
    assertThat(SpecJson.readView(SpecJson.write(v))).isEqualTo(v);
  }

  // ---- helpers

  private static Arguments c(
      String name, Consumer<FeatureView.Builder> change, String path, Compatibility expected) {
    return c(name, change, path, expected, b -> {});
  }

  private static Arguments c(
      String name,
      Consumer<FeatureView.Builder> change,
      String path,
      Compatibility expected,
      Consumer<FeatureView.Builder> base) {
    return Arguments.of(name, change, path, expected, base);
  }

  private static Source source(UnaryOperator<Source> f) {
    return f.apply(transactions());
  }

  private static List<SourceField> plusColumn(Source s) {
    List<SourceField> out = new ArrayList<>(s.schema());
    out.add(new SourceField("country", FeatureType.STRING));
    return out;
  }

  private static Feature rowFeatureExpr(String name, FeatureType type, String expr) {
    return new Feature(name, type, "", expr, null, Map.of("pii", "no"));
  }

  private static Feature agg(String name, String column, AggregationFunction f, int days) {
    return new Feature(
        name,
        spend30d().dtype(),
        "spend in the last 30 days",
        null,
        new Aggregation(column, f, Duration.ofDays(days), 0),
        Map.of());
  }

  /** The base features with {@code user_last_merchant} replaced by {@code f}. */
  private static Consumer<FeatureView.Builder> withLastMerchant(Feature f) {
    return b -> b.features(List.of(count7d(), spend30d(), f));
  }

  /** The base features with {@code user_total_spend_usd} replaced by {@code f}. */
  private static Consumer<FeatureView.Builder> withSpend(Feature f) {
    return b -> b.features(List.of(count7d(), f, lastMerchant()));
  }
}
