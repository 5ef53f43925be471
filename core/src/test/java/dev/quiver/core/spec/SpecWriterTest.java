package dev.quiver.core.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** parse(write(x)) == x, on the examples and on generated views. */
class SpecWriterTest {
  static final SpecBundle EXAMPLES = SpecParser.parsePath(Path.of("..", "examples")).bundle();

  static FeatureView reparse(String text) {
    try {
      return SpecParser.parse(text, "written.yaml").bundle().views().get(0);
    } catch (SpecException e) {
      throw new AssertionError(e.getMessage() + "\n--- written:\n" + text, e);
    }
  }

  @Test
  void examplesRoundTripOneByOneInYamlAndJson() {
    for (FeatureView v : EXAMPLES.views()) {
      assertThat(reparse(SpecWriter.yaml(v))).as(v.name()).isEqualTo(v);
      assertThat(reparse(SpecWriter.json(v))).as(v.name()).isEqualTo(v);
    }
    for (Source s : EXAMPLES.sources()) {
      assertThat(SpecParser.parse(SpecWriter.yaml(s), "s.yaml").bundle().sources())
          .containsExactly(s);
    }
    for (Entity e : EXAMPLES.entities()) {
      assertThat(SpecParser.parse(SpecWriter.yaml(e), "e.yaml").bundle().entities())
          .containsExactly(e);
    }
    for (FeatureService s : EXAMPLES.services()) {
      assertThat(SpecParser.parse(SpecWriter.json(s), "s.json").bundle().services())
          .containsExactly(s);
    }
  }

  @Test
  void bundleRoundTripsAndNamesSharedSources() {
    String text = SpecWriter.yaml(EXAMPLES);
    assertThat(text).contains("source: transactions\n");
    assertThat(SpecParser.parse(text, "bundle.yaml").bundle()).isEqualTo(EXAMPLES);
  }

  @Test
  void bundleViewsOverridingTheSharedSourcesDelayRoundTrip() {
    Source shared = EXAMPLES.sources().get(0);
    FeatureView v = EXAMPLES.views().get(0);
    Source slower =
        new Source(
            shared.namespace(),
            shared.name(),
            shared.kind(),
            shared.schema(),
            shared.eventTimeField(),
            shared.dedupKey(),
            Duration.ofMinutes(3),
            shared.options());
    SpecBundle b =
        new SpecBundle(
            EXAMPLES.entities(), List.of(shared), List.of(v.withSource(slower)), List.of());
    String text = SpecWriter.yaml(b);
    assertThat(text).contains("source: transactions\n").contains("watermark_delay: 3m\n");
    assertThat(SpecParser.parse(text, "b.yaml").bundle()).isEqualTo(b);
  }

  @Test
  void writesThePrdShape() {
    FeatureView prd =
        EXAMPLES.views().stream()
            .filter(v -> v.version().equals(Version.of(3)))
            .findFirst()
            .orElseThrow();
    Map<String, Object> m = SpecWriter.toMap(prd.withSource(null));
    assertThat(m.keySet())
        .containsExactly(
            "name",
            "version",
            "entities",
            "features",
            "transformations",
            "ttl_seconds",
            "sla_freshness_seconds",
            "watermark_expr",
            "status",
            "online",
            "offline",
            "owner",
            "tags");
    assertThat(m.get("ttl_seconds")).isEqualTo(604800L);
    assertThat(m.get("tags")).isEqualTo(Map.of("domain", "payments", "pii", "no"));
  }

  static Stream<Long> seeds() {
    return IntStream.range(0, 300).mapToObj(i -> 7919L * i + 17);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void generatedViewsRoundTrip(long seed) {
    FeatureView v = new ViewGenerator(new Random(seed)).view();
    assertThat(reparse(SpecWriter.yaml(v))).isEqualTo(v);
    assertThat(reparse(SpecWriter.json(v))).isEqualTo(v);
  }

  /** Random valid views with awkward text in every free-text field. */
  static final class ViewGenerator {
    static final String[] AWKWARD = {
      "no",
      "yes",
      "on",
      "off",
      "true",
      "False",
      "null",
      "~",
      "",
      " leading space",
      "trailing ",
      "1.50",
      "0x1F",
      "007",
      "1e3",
      "a: b",
      "# not a comment",
      "- dash",
      "quote \" and ' both",
      "multi\nline",
      "tab\there",
      "ünïcödé ✓",
      "{flow}",
      "[list]",
      "*star",
      "&anchor",
      "!tag",
      "%pct",
      "@at",
      "`tick`",
      "| pipe",
      "> gt",
      "2025-11-25",
      "12:30",
      "v3"
    };
    static final FeatureType[] COLUMN_TYPES = {
      FeatureType.INT32, FeatureType.INT64, FeatureType.FLOAT32, FeatureType.FLOAT64,
      FeatureType.STRING, FeatureType.BOOL, FeatureType.TIMESTAMP, FeatureType.BYTES
    };
    final Random r;

    ViewGenerator(Random r) {
      this.r = r;
    }

    String awkward() {
      return AWKWARD[r.nextInt(AWKWARD.length)] + (r.nextBoolean() ? "" : " " + r.nextInt(100));
    }

    Map<String, String> tags() {
      Map<String, String> t = new LinkedHashMap<>();
      for (int i = r.nextInt(4); i > 0; i--) {
        t.put("t" + r.nextInt(10), awkward());
      }
      return t;
    }

    Duration pick(Duration... ds) {
      return ds[r.nextInt(ds.length)];
    }

    FeatureView view() {
      String ns = pick3("default", "payments", "ns_2");
      String entity = "ent" + r.nextInt(5);
      List<SourceField> schema = new ArrayList<>();
      schema.add(new SourceField(entity + "_id", FeatureType.STRING));
      schema.add(new SourceField("event_time", FeatureType.TIMESTAMP));
      schema.add(new SourceField("amount", FeatureType.FLOAT64));
      for (int i = r.nextInt(6); i > 0; i--) {
        schema.add(
            new SourceField("c" + schema.size(), COLUMN_TYPES[r.nextInt(COLUMN_TYPES.length)]));
      }
      Map<String, String> options = new LinkedHashMap<>();
      options.put("topic", "topic_" + r.nextInt(9));
      options.put("format", pick3("json", "avro", "debezium-json"));
      if (options.get("format").equals("avro")) {
        options.put("avro_schema_file", "/schemas/" + options.get("topic") + ".avsc");
      }
      if (r.nextBoolean()) {
        options.put("properties.max.poll.records", String.valueOf(r.nextInt(1000)));
      }
      Source source =
          new Source(
              ns,
              "src" + r.nextInt(9),
              "kafka",
              schema,
              "event_time",
              r.nextBoolean() ? null : entity + "_id",
              Duration.ofSeconds(r.nextInt(120)),
              options);
      Duration tile =
          pick(
              Duration.ofMinutes(1),
              Duration.ofMinutes(5),
              Duration.ofHours(1),
              Duration.ofSeconds(30));
      boolean sql = r.nextInt(4) == 0;
      List<Feature> features = new ArrayList<>();
      long maxWindow = tile.toMillis();
      for (int i = r.nextInt(8) + 1; i > 0; i--) {
        int kind = r.nextInt(3);
        String name = "f" + features.size();
        if (kind == 0) {
          // a source column as a feature of its own name: not the join key or the event time
          // (every table of the view has those columns already; SpecValidator refuses them)
          SourceField col = schema.get(2 + r.nextInt(schema.size() - 2));
          boolean exists = features.stream().anyMatch(f -> f.name().equals(col.name()));
          if (!sql && !exists) {
            features.add(new Feature(col.name(), col.type(), awkward(), null, null, tags()));
            continue;
          }
        }
        if (kind <= 1) {
          features.add(
              new Feature(
                  name,
                  COLUMN_TYPES[r.nextInt(COLUMN_TYPES.length)],
                  awkward(),
                  "CAST(amount AS DOUBLE) * 2 -- " + awkward(),
                  null,
                  tags()));
          continue;
        }
        AggregationFunction fn =
            AggregationFunction.values()[r.nextInt(AggregationFunction.values().length)];
        SourceField col =
            fn == AggregationFunction.SUM
                    || fn == AggregationFunction.AVG
                    || fn == AggregationFunction.STDDEV
                    || fn == AggregationFunction.MIN
                    || fn == AggregationFunction.MAX
                ? schema.get(2)
                : schema.get(r.nextInt(schema.size()));
        String column = fn == AggregationFunction.COUNT && r.nextBoolean() ? "*" : col.name();
        Duration window = tile.multipliedBy(1 + r.nextInt(300));
        maxWindow = Math.max(maxWindow, window.toMillis());
        int n = fn == AggregationFunction.LAST_N ? 1 + r.nextInt(1000) : 0;
        FeatureType in = column.equals("*") ? null : col.type();
        features.add(
            new Feature(
                name,
                fn.outputType(in),
                awkward(),
                null,
                new Aggregation(column, fn, window, n),
                tags()));
      }
      List<Transformation> ts = new ArrayList<>();
      if (sql) {
        ts.add(
            new Transformation(
                pick3("sql", "flink", "sql"),
                "SELECT "
                    + entity
                    + "_id,\n  amount AS f0 -- "
                    + awkward()
                    + "\nFROM src"
                    + (r.nextBoolean() ? "\n" : "")));
      }
      Duration ttl =
          Duration.ofMillis(maxWindow)
              .plus(
                  pick(
                      Duration.ZERO,
                      Duration.ofSeconds(1),
                      Duration.ofMillis(1500),
                      Duration.ofDays(3)));
      boolean online = r.nextBoolean();
      return new FeatureView(
          ns,
          "view_" + r.nextInt(1000),
          new Version(1 + r.nextInt(20), r.nextInt(3)),
          List.of(entity),
          r.nextInt(5) == 0 && sql && features.stream().noneMatch(Feature::isAggregation)
              ? null
              : source,
          features,
          ts,
          ttl,
          pick(Duration.ZERO, Duration.ofSeconds(60), Duration.ofMillis(2500)),
          pick(Duration.ZERO, Duration.ofMinutes(10)),
          tile,
          pick(Duration.ZERO, Duration.ofSeconds(5)),
          ViewStatus.values()[r.nextInt(4)],
          online,
          !online || r.nextBoolean(),
          r.nextBoolean() ? "" : awkward(),
          r.nextBoolean() ? "" : awkward(),
          tags(),
          r.nextBoolean() ? null : "event_time");
    }

    String pick3(String a, String b, String c) {
      return switch (r.nextInt(3)) {
        case 0 -> a;
        case 1 -> b;
        default -> c;
      };
    }
  }
}
