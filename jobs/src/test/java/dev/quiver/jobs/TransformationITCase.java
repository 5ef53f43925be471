package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.testing.IcebergRows;
import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.jobs.testing.OnlineReference;
import dev.quiver.jobs.testing.Reference;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.jobs.testing.Transactions.Txn;
import dev.quiver.offline.OfflineTables;
import dev.quiver.online.EntityFeatures;
import dev.quiver.online.FeatureReader;
import dev.quiver.online.FeatureValue;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PRD-style view whose row features come from a SQL {@code transformations} block (with the PRD's
 * {@code user_id AS entity_key} and a WHERE filter) plus a declarative count, run by the real job
 * (KRaft broker, MiniCluster, embedded online store, Iceberg), compared with a plain reference: the
 * latest accepted event with {@code amount >= 100} per user, its values computed here in Java.
 */
class TransformationITCase {
  static final String SQL =
      """
      -- the row features, PRD style
      CREATE VIEW user_big_txn AS
      SELECT user_id AS entity_key,
             UPPER(merchant) AS big_merchant,
             CAST(amount * 100 AS BIGINT) AS amount_cents,
             amount AS big_amount
      FROM transactions
      WHERE amount >= 100;
      """;

  @RegisterExtension static final MaterializationHarness harness = new MaterializationHarness();

  @TempDir Path tmp;

  static FeatureView view(String topic) {
    return Transactions.sqlView(
        "user_big_txn",
        topic,
        "sql",
        SQL,
        List.of(
            Transactions.column("big_merchant", FeatureType.STRING),
            Transactions.column("amount_cents", FeatureType.INT64),
            Transactions.column("big_amount", FeatureType.FLOAT64),
            new Feature(
                "txn_count_1h",
                FeatureType.INT64,
                "",
                null,
                new Aggregation("*", AggregationFunction.COUNT, Duration.ofHours(1), 0),
                Map.of())));
  }

  @Test
  void transformedRowFeaturesEqualTheReference() throws Exception {
    String topic = "txn-sql";
    harness.createTopics(topic);
    List<Reference.Sent> log = harness.produce(topic, Transactions.generate(900, 5));
    Reference ref = MaterializationHarness.reference(log);
    List<Reference.Accepted> big =
        ref.accepted.stream().filter(a -> a.txn().amount() >= 100).toList();
    assertThat(big.size()).isBetween(ref.accepted.size() / 2, ref.accepted.size() - 50);

    FeatureView view = view(topic);
    Path warehouse = tmp.resolve("warehouse");
    Map<String, String> online = MaterializationHarness.embedded(tmp.resolve("online"));
    JobClient job = harness.start(view, harness.config(tmp), warehouse, online, null);
    try (HadoopCatalog catalog = MaterializationHarness.catalog(warehouse)) {
      Table table = catalog.loadTable(OfflineTables.identifier(view));
      MaterializationHarness.awaitRows(table, big.size(), Duration.ofSeconds(90));
      harness.awaitDeadLetters(topic, ref.rejected.size());
      MaterializationHarness.stop(job);
      assertThat(IcebergRows.read(table, null, null, TransformationITCase::bigRow))
          .isEqualTo(expectedRows(big));
      harness.assertDeadLetters(topic, log, ref);
    }
    try (OnlineStore store = OnlineStores.open(MaterializationHarness.storeConfig(online))) {
      assertThat(assertOnline(store, view, big, OnlineReference.readTimes(ref.accepted)))
          .isGreaterThan(400);
    }
  }

  static final String WINDOW_SQL =
      """
      SELECT user_id AS entity_key,
             TUMBLE_END(ts, INTERVAL '1' MINUTE) AS window_end,
             COUNT(*) AS txn_count,
             SUM(amount) AS spend,
             MAX(merchant) AS top_merchant
      FROM transactions
      WHERE amount >= 100
      GROUP BY user_id, TUMBLE(ts, INTERVAL '1' MINUTE)
      """;

  /** One closed window of one user in the reference. */
  record Window(String user, long end, long count, double spend, String top, long seq) {}

  /**
   * A GROUP BY TUMBLE transformation: one row per user and closed 1-minute window, at the window's
   * end. Reference: the filtered accepted events grouped by user and {@code floor(ts / 1 min)}; a
   * window is closed once the largest accepted event time is {@code delay + lateness} past its end;
   * online at t, the latest closed window ending at or before t.
   */
  @Test
  void tumblingWindowAggregationEqualsTheReference() throws Exception {
    String topic = "txn-sql-window";
    harness.createTopics(topic);
    List<Reference.Sent> log = harness.produce(topic, Transactions.generate(900, 9));
    Reference ref = MaterializationHarness.reference(log);
    long maxTs = ref.accepted.stream().mapToLong(a -> a.txn().ts()).max().orElseThrow();
    long bound = Transactions.WATERMARK_DELAY.toMillis() + Transactions.LATENESS.toMillis();
    Map<String, List<Reference.Accepted>> groups = new java.util.TreeMap<>();
    for (Reference.Accepted a : ref.accepted) {
      if (a.txn().amount() >= 100) {
        long end = Math.floorDiv(a.txn().ts(), 60_000L) * 60_000L + 60_000L;
        groups.computeIfAbsent(a.txn().userId() + "|" + end, k -> new ArrayList<>()).add(a);
      }
    }
    List<Window> windows = new ArrayList<>();
    groups.forEach(
        (k, events) -> {
          long end = Long.parseLong(k.substring(k.indexOf('|') + 1));
          if (end <= maxTs - bound) {
            windows.add(
                new Window(
                    k.substring(0, k.indexOf('|')),
                    end,
                    events.size(),
                    events.stream().mapToDouble(a -> a.txn().amount()).sum(),
                    events.stream().map(a -> a.txn().merchant()).max(String::compareTo).get(),
                    events.stream().mapToLong(Reference.Accepted::seq).max().getAsLong()));
          }
        });
    assertThat(windows.size()).isGreaterThan(50);

    FeatureView view =
        Transactions.sqlView(
            "user_minute",
            topic,
            "flink",
            WINDOW_SQL,
            List.of(
                Transactions.column("txn_count", FeatureType.INT64),
                Transactions.column("spend", FeatureType.FLOAT64),
                Transactions.column("top_merchant", FeatureType.STRING)));
    Path warehouse = tmp.resolve("warehouse");
    Map<String, String> online = MaterializationHarness.embedded(tmp.resolve("online"));
    JobClient job = harness.start(view, harness.config(tmp), warehouse, online, null);
    List<String> expected = new ArrayList<>();
    for (Window w : windows) {
      expected.add(
          String.join(
              "|",
              w.user(),
              Long.toString(w.end()),
              Long.toString(w.count()),
              String.format(Locale.ROOT, "%.2f", w.spend()),
              w.top(),
              Long.toString(w.seq())));
    }
    expected.sort(null);
    try (HadoopCatalog catalog = MaterializationHarness.catalog(warehouse)) {
      Table table = catalog.loadTable(OfflineTables.identifier(view));
      MaterializationHarness.awaitRows(table, expected.size(), Duration.ofSeconds(90));
      Thread.sleep(2000); // a window emitted that should not have been would show up by now
      MaterializationHarness.stop(job);
      assertThat(windowRows(table, null, null)).isEqualTo(expected);

      // The backfill runs the same transformation SQL in batch mode over the Kafka range: no
      // lateness, so it holds every window of every deduplicated event (too-late ones included)
      // and the windows the stream had not closed yet.
      long streamed = table.currentSnapshot().snapshotId();
      dev.quiver.core.config.QuiverConfig bc =
          dev.quiver.core.config.QuiverConfig.of(
              Map.of(
                  "offline.warehouse", warehouse.toString(),
                  "kafka.bootstrap-servers", harness.kafka().bootstrapServers()));
      dev.quiver.offline.Backfill.Result bf =
          new dev.quiver.offline.Backfill(bc, dev.quiver.offline.OfflineCatalogs.open(bc))
              .run(
                  view,
                  Transactions.keys(),
                  "kafka",
                  Transactions.T0.minus(Duration.ofHours(1)),
                  Transactions.T0.plus(Duration.ofDays(1)),
                  false);
      Reference all = new Reference(log, 0, Long.MAX_VALUE / 4);
      Map<String, List<Reference.Accepted>> allGroups = new java.util.TreeMap<>();
      for (Reference.Accepted a : all.accepted) {
        if (a.txn().amount() >= 100) {
          long end = Math.floorDiv(a.txn().ts(), 60_000L) * 60_000L + 60_000L;
          allGroups.computeIfAbsent(a.txn().userId() + "|" + end, k -> new ArrayList<>()).add(a);
        }
      }
      List<String> backfillExpected = new ArrayList<>();
      allGroups.forEach(
          (k, events) ->
              backfillExpected.add(
                  String.join(
                      "|",
                      k,
                      Long.toString(events.size()),
                      String.format(
                          Locale.ROOT,
                          "%.2f",
                          events.stream().mapToDouble(a -> a.txn().amount()).sum()),
                      events.stream().map(a -> a.txn().merchant()).max(String::compareTo).get(),
                      Long.toString(
                          events.stream().mapToLong(Reference.Accepted::seq).max().getAsLong()))));
      backfillExpected.sort(null);
      assertThat(backfillExpected.size()).isGreaterThan(expected.size());
      // it appends the windows the table does not hold yet: those the stream had not closed, and
      // those whose last event (the window's identity with its key and end) a too-late event
      // changed, beside the stream's row of that window
      Set<String> held = new HashSet<>();
      expected.forEach(r -> held.add(windowIdentity(r)));
      List<String> appended =
          backfillExpected.stream().filter(r -> !held.contains(windowIdentity(r))).toList();
      assertThat(appended).hasSizeLessThan(backfillExpected.size()).isNotEmpty();
      assertThat(windowRows(table, streamed, bf.snapshotId())).isEqualTo(appended);
    }
    try (OnlineStore store = OnlineStores.open(MaterializationHarness.storeConfig(online))) {
      FeatureReader reader = new FeatureReader(store, Clock.systemUTC());
      List<String> users =
          new ArrayList<>(new TreeSet<>(windows.stream().map(Window::user).toList()));
      List<byte[]> keys = new ArrayList<>();
      users.forEach(u -> keys.add(EntityKeyCodec.encode(Transactions.keys(), List.of(u))));
      int compared = 0;
      for (long t : OnlineReference.readTimes(ref.accepted)) {
        List<EntityFeatures> got =
            reader.read(view, List.of("txn_count", "spend", "top_merchant"), keys, t).get();
        for (int i = 0; i < users.size(); i++) {
          String user = users.get(i);
          Window latest =
              windows.stream()
                  .filter(w -> w.user().equals(user) && w.end() <= t)
                  .max(Comparator.comparingLong(Window::end))
                  .orElse(null);
          Map<String, FeatureValue> v = got.get(i).features();
          String what = user + " at " + t;
          assertThat(value(v, "txn_count"))
              .as(what)
              .isEqualTo(latest == null ? null : latest.count());
          assertThat(value(v, "top_merchant"))
              .as(what)
              .isEqualTo(latest == null ? null : latest.top());
          if (latest == null) {
            assertThat(value(v, "spend")).as(what).isNull();
          } else {
            assertThat((Double) value(v, "spend"))
                .as(what)
                .isCloseTo(latest.spend(), org.assertj.core.api.Assertions.within(1e-6));
          }
          compared += 3;
        }
      }
      assertThat(compared).isGreaterThan(300);
    }
  }

  private static Object value(Map<String, FeatureValue> values, String name) {
    FeatureValue fv = values.get(name);
    return fv == null ? null : fv.value();
  }

  /** The rows a snapshot range added ({@code from} null: the whole current table). */
  static List<String> windowRows(Table table, Long from, Long to) {
    return IcebergRows.read(
        table,
        from,
        to,
        r ->
            String.join(
                "|",
                String.valueOf(r.getField("user_id")),
                Long.toString(IcebergRows.millis(r, "event_time")),
                String.valueOf(r.getField("txn_count")),
                String.format(Locale.ROOT, "%.2f", (Double) r.getField("spend")),
                String.valueOf(r.getField("top_merchant")),
                String.valueOf(r.getField("_seq"))));
  }

  /** Row features: the latest filtered event at t (ties: higher offset); the count: tiles. */
  static int assertOnline(
      OnlineStore store, FeatureView view, List<Reference.Accepted> big, List<Long> times)
      throws Exception {
    FeatureReader reader = new FeatureReader(store, Clock.systemUTC());
    List<String> users =
        new ArrayList<>(new TreeSet<>(big.stream().map(a -> a.txn().userId()).toList()));
    List<byte[]> keys = new ArrayList<>();
    users.forEach(u -> keys.add(EntityKeyCodec.encode(Transactions.keys(), List.of(u))));
    List<String> names = view.features().stream().map(Feature::name).toList();
    int compared = 0;
    for (long t : times) {
      List<EntityFeatures> got = reader.read(view, names, keys, t).get();
      for (int i = 0; i < users.size(); i++) {
        String user = users.get(i);
        Txn latest =
            big.stream()
                .filter(a -> a.txn().userId().equals(user) && a.txn().ts() <= t)
                .max(
                    Comparator.comparingLong((Reference.Accepted a) -> a.txn().ts())
                        .thenComparingLong(Reference.Accepted::seq))
                .map(Reference.Accepted::txn)
                .orElse(null);
        Map<String, FeatureValue> values = got.get(i).features();
        for (Feature f : view.features()) {
          Object want =
              switch (f.name()) {
                case "big_merchant" ->
                    latest == null ? null : latest.merchant().toUpperCase(Locale.ROOT);
                case "amount_cents" -> latest == null ? null : (long) (latest.amount() * 100);
                case "big_amount" -> latest == null ? null : latest.amount();
                default -> OnlineReference.expected(big, user, f, t);
              };
          FeatureValue fv = values.get(f.name());
          assertThat(fv == null ? null : fv.value())
              .as(user + " " + f.name() + " at " + t)
              .isEqualTo(want);
          compared++;
        }
      }
    }
    return compared;
  }

  static String bigRow(Record r) {
    return String.join(
        "|",
        String.valueOf(r.getField("user_id")),
        Long.toString(IcebergRows.millis(r, "event_time")),
        String.valueOf(r.getField("big_merchant")),
        String.valueOf(r.getField("amount_cents")),
        String.valueOf(r.getField("big_amount")),
        String.valueOf(r.getField("_seq")));
  }

  static List<String> expectedRows(List<Reference.Accepted> big) {
    List<String> rows = new ArrayList<>();
    for (Reference.Accepted a : big) {
      Txn t = a.txn();
      rows.add(
          String.join(
              "|",
              t.userId(),
              Long.toString(t.ts()),
              t.merchant().toUpperCase(Locale.ROOT),
              Long.toString((long) (t.amount() * 100)),
              Double.toString(t.amount()),
              Long.toString(a.seq())));
    }
    rows.sort(null);
    return rows;
  }

  /** user|window end|_seq of a {@link #windowRows} row: the window's identity in the table. */
  private static String windowIdentity(String row) {
    String[] f = row.split("\\|");
    return f[0] + "|" + f[1] + "|" + f[f.length - 1];
  }
}
