package dev.quiver.jobs.testing;

import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Durations;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Adversarial transaction events for the materialization tests: duplicates (same bytes re-sent),
 * out-of-order events within the lateness bound, some beyond it, equal timestamps, and malformed
 * records. Each generated record keeps its intended meaning ({@link Txn}, or null when malformed),
 * so the test's reference never parses the bytes with the job's parser.
 */
public final class Transactions {
  public static final Duration WATERMARK_DELAY = Duration.ofSeconds(5);
  public static final Duration LATENESS = Duration.ofSeconds(10);
  public static final Duration TILE = Duration.ofMinutes(1);

  /**
   * Yesterday 00:00 UTC: recent enough that the online store's TTL (counted from now) keeps the
   * cells, and the same for every test of one run.
   */
  public static final Instant T0 =
      Instant.now().truncatedTo(java.time.temporal.ChronoUnit.DAYS).minus(Duration.ofDays(1));

  /**
   * The {@code malformedKind} of a well-formed record whose event time is far ahead of the time it
   * is produced (the gate's {@code jobs.event-time-max-ahead}): a dead letter {@code too_early}.
   */
  public static final String TOO_EARLY = "too early";

  /**
   * A well-formed transaction of {@code user} timed {@code ts} (ISO-8601), to be produced now: with
   * {@code ts} more than an hour ahead of now, the gate rejects it as {@link #TOO_EARLY}.
   */
  public static Record fromTheFuture(String txnId, String user, String ts) {
    String text =
        "{\"txn_id\":\""
            + txnId
            + "\",\"user_id\":\""
            + user
            + "\",\"merchant\":\"m1\",\"amount\":1.0,\"ts\":\""
            + ts
            + "\"}";
    return new Record(text.getBytes(StandardCharsets.UTF_8), null, TOO_EARLY);
  }

  /** The JSON record of one well-formed transaction (event time as ISO-8601 text). */
  public static Record record(Txn t) {
    return new Record(json(t, false), t, null);
  }

  /** A well-formed transaction. */
  public record Txn(String txnId, String userId, String merchant, double amount, long ts) {}

  /** One record to produce; {@code txn} is null for a malformed one. */
  public record Record(byte[] bytes, Txn txn, String malformedKind) {}

  private Transactions() {}

  public static Source source(String topic) {
    return new Source(
        "default",
        "transactions",
        "kafka",
        List.of(
            new SourceField("txn_id", FeatureType.STRING),
            new SourceField("user_id", FeatureType.STRING),
            new SourceField("merchant", FeatureType.STRING),
            new SourceField("amount", FeatureType.FLOAT64),
            new SourceField("ts", FeatureType.TIMESTAMP)),
        "ts",
        "txn_id",
        WATERMARK_DELAY,
        Map.of("topic", topic, "format", "json"));
  }

  public static List<JoinKey> keys() {
    return List.of(new JoinKey("user_id", FeatureType.STRING));
  }

  /** Row features, and aggregations over 1h, 1d and 7d windows, on 1-minute tiles. */
  public static FeatureView view(String topic, boolean online, boolean offline) {
    List<Feature> features = new ArrayList<>();
    features.add(new Feature("last_merchant", FeatureType.STRING, "", "merchant", null, Map.of()));
    features.add(new Feature("last_amount", FeatureType.FLOAT64, "", "amount", null, Map.of()));
    features.add(
        new Feature(
            "amount_x100", FeatureType.INT64, "", "CAST(amount * 100 AS BIGINT)", null, null));
    for (Duration w : List.of(Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofDays(7))) {
      agg(features, "txn_count", FeatureType.INT64, "*", AggregationFunction.COUNT, w, 0);
    }
    Duration w10 = Duration.ofMinutes(10);
    agg(features, "amount_sum", FeatureType.FLOAT64, "amount", AggregationFunction.SUM, w10, 0);
    agg(features, "amount_avg", FeatureType.FLOAT64, "amount", AggregationFunction.AVG, w10, 0);
    agg(features, "amount_min", FeatureType.FLOAT64, "amount", AggregationFunction.MIN, w10, 0);
    agg(features, "amount_max", FeatureType.FLOAT64, "amount", AggregationFunction.MAX, w10, 0);
    agg(features, "amount_std", FeatureType.FLOAT64, "amount", AggregationFunction.STDDEV, w10, 0);
    agg(
        features,
        "merchant_last3",
        FeatureType.arrayOf(FeatureType.Scalar.STRING),
        "merchant",
        AggregationFunction.LAST_N,
        w10,
        3);
    agg(
        features,
        "merchant_distinct",
        FeatureType.INT64,
        "merchant",
        AggregationFunction.COUNT_DISTINCT,
        Duration.ofHours(1),
        0);
    return FeatureView.builder("user_txn")
        .entities(List.of("user"))
        .source(source(topic))
        .features(features)
        .ttl(Duration.ofDays(30))
        .allowedLateness(LATENESS)
        .tileSize(TILE)
        .online(online)
        .offline(offline)
        .build();
  }

  /**
   * A view over {@link #source} whose features come from a SQL transformation ({@code dialect}
   * {@code sql} or {@code flink}): the generator's lateness and tile, a 30-day TTL.
   */
  public static FeatureView sqlView(
      String name, String topic, String dialect, String sql, List<Feature> features) {
    return FeatureView.builder(name)
        .entities(List.of("user"))
        .source(source(topic))
        .features(features)
        .transformations(List.of(new dev.quiver.core.spec.Transformation(dialect, sql)))
        .ttl(Duration.ofDays(30))
        .allowedLateness(LATENESS)
        .tileSize(TILE)
        .build();
  }

  /** A feature that a SQL transformation outputs (no expression, no aggregation). */
  public static Feature column(String name, FeatureType type) {
    return new Feature(name, type, "", null, null, Map.of());
  }

  private static void agg(
      List<Feature> out,
      String base,
      FeatureType type,
      String column,
      AggregationFunction fn,
      Duration window,
      int n) {
    out.add(
        new Feature(
            base + "_" + Durations.format(window),
            type,
            "",
            null,
            new Aggregation(column, fn, window, n),
            Map.of()));
  }

  /**
   * {@code n} intended transactions (plus duplicates and malformed records), about 400 ms apart in
   * event time from {@link #T0}, over 30 users.
   */
  public static List<Record> generate(int n, long seed) {
    return generateChunk(0, n, seed, 30);
  }

  /**
   * Transactions {@code from} to {@code from + n - 1} of an endless log (same shape as {@link
   * #generate}) over {@code users} users; chunks of one log can be generated one at a time.
   */
  public static List<Record> generateChunk(int from, int n, long seed, int users) {
    Random r = new Random(seed * 1_000_003L + from);
    List<Record> out = new ArrayList<>();
    List<Record> sentValid = new ArrayList<>();
    long prevTs = T0.toEpochMilli() + from * 400L;
    for (int i = from; i < from + n; i++) {
      long nominal = T0.toEpochMilli() + i * 400L;
      double p = r.nextDouble();
      long ts;
      if (p < 0.15) {
        ts = nominal - 500 - r.nextInt(11_000); // out of order, within delay + lateness (15 s)
      } else if (p < 0.18) {
        ts = nominal - 40_000 - r.nextInt(50_000); // beyond the lateness bound
      } else if (p < 0.25) {
        ts = prevTs; // the same timestamp as the previous event
      } else {
        ts = nominal;
      }
      prevTs = ts;
      String user = "u" + r.nextInt(users);
      String merchant = "m" + r.nextInt(8);
      double amount = Math.round(r.nextDouble() * 50_000) / 100.0;
      Txn t = new Txn("t" + i, user, merchant, amount, ts);
      Record rec = new Record(json(t, r.nextInt(4) == 0), t, null);
      out.add(rec);
      sentValid.add(rec);
      if (r.nextDouble() < 0.07) {
        // a duplicate: the same bytes again, a little later in the log
        out.add(sentValid.get(Math.max(0, sentValid.size() - 1 - r.nextInt(5))));
      }
      if (r.nextDouble() < 0.03) {
        out.add(malformed(r, i));
      }
    }
    return out;
  }

  /**
   * Two records to insert at {@code at} in {@code log} (one partition), timed exactly at the
   * lateness edge there: one at (the latest event time before it − watermark delay − lateness),
   * which is accepted, and one 1 ms earlier, which is too late. Random times almost never land on
   * the edge, so without these an off-by-one in the gate's comparison went unnoticed.
   */
  public static List<Record> atTheLatenessEdge(List<Record> log, int at, String user) {
    long max = Long.MIN_VALUE;
    for (Record r : log.subList(0, at)) {
      if (r.txn() != null) {
        max = Math.max(max, r.txn().ts());
      }
    }
    long edge = max - WATERMARK_DELAY.toMillis() - LATENESS.toMillis();
    Txn in = new Txn("edge-in", user, "m1", 12.5, edge);
    Txn late = new Txn("edge-late", user, "m1", 99.0, edge - 1);
    return List.of(new Record(json(in, false), in, null), new Record(json(late, true), late, null));
  }

  /**
   * A record to insert at {@code at} in {@code log} whose user_id holds {@code chars} characters,
   * timed at the latest event before it (so it is not too late): beyond the key limit (8,192, the
   * lookup service's) it is malformed; 40,000 makes a row key longer than HBase allows (32,767
   * bytes).
   */
  public static Record longKey(List<Record> log, int at, int chars) {
    long ts = T0.toEpochMilli();
    for (Record r : log.subList(0, at)) {
      ts = r.txn() == null ? ts : Math.max(ts, r.txn().ts());
    }
    String text =
        "{\"txn_id\":\"long-key\",\"user_id\":\""
            + "u".repeat(chars)
            + "\",\"merchant\":\"m1\",\"amount\":1.0,\"ts\":"
            + ts
            + "}";
    return new Record(text.getBytes(StandardCharsets.UTF_8), null, "key too long");
  }

  private static Record malformed(Random r, int i) {
    String text;
    String kind;
    switch (r.nextInt(4)) {
      case 0 -> {
        text = "{\"txn_id\": \"bad" + i + "\", \"user_id\": ";
        kind = "bad JSON";
      }
      case 1 -> {
        text =
            "{\"txn_id\":\"bad"
                + i
                + "\",\"merchant\":\"m1\",\"amount\":1.0,\"ts\":\""
                + T0
                + "\"}";
        kind = "missing key";
      }
      case 2 -> {
        text = "{\"txn_id\":\"bad" + i + "\",\"user_id\":\"u1\",\"amount\":1.0}";
        kind = "missing event time";
      }
      default -> {
        text =
            "{\"txn_id\":\"bad"
                + i
                + "\",\"user_id\":\"u1\",\"amount\":\"12.5\",\"ts\":\""
                + T0
                + "\"}";
        kind = "wrong type";
      }
    }
    return new Record(text.getBytes(StandardCharsets.UTF_8), null, kind);
  }

  private static byte[] json(Txn t, boolean epochMillis) {
    String ts = epochMillis ? Long.toString(t.ts()) : "\"" + Instant.ofEpochMilli(t.ts()) + "\"";
    return ("{\"txn_id\":\""
            + t.txnId()
            + "\",\"user_id\":\""
            + t.userId()
            + "\",\"merchant\":\""
            + t.merchant()
            + "\",\"amount\":"
            + t.amount()
            + ",\"ts\":"
            + ts
            + "}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
