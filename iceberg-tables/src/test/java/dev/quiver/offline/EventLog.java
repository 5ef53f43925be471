package dev.quiver.offline;

import dev.quiver.core.spec.FeatureView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;

/**
 * A generated adversarial event log for the offline tests: out of order, equal event times (ties
 * broken by _seq), repeated corrections, null values, and late availability (_ingested_at long
 * after event_time).
 */
public final class EventLog {
  public static final long BASE = 1_714_521_600_000L; // 2024-05-01T00:00:00Z
  public static final long MIN = 60_000L;
  public static final long HOUR = 3_600_000L;

  /** One offline-table row, as plain values. */
  public record Event(
      String view, String key, long time, long seq, long ingestedAt, Map<String, Object> values) {}

  public final List<Event> events = new ArrayList<>();
  private final Random rnd;
  private long seq = 1_000;

  public EventLog(long seed) {
    this.rnd = new Random(seed);
  }

  /** Adds {@code n} events for a view with keys {@code prefix0..prefix(keys-1)}. */
  public EventLog generate(FeatureView view, String prefix, int keys, int n) {
    for (int i = 0; i < n; i++) {
      String key = prefix + rnd.nextInt(keys);
      // minute granularity: many equal event times per key
      long time =
          BASE + rnd.nextInt(6 * 60) * MIN + (rnd.nextInt(4) == 0 ? rnd.nextInt(60_000) : 0);
      long s = seq + rnd.nextInt(1_000_000); // not in time order
      seq++;
      long ingested =
          rnd.nextInt(10) == 0 ? time + rnd.nextInt(3 * 60) * MIN : time + rnd.nextInt(2_000);
      events.add(new Event(view.name(), key, time, s, ingested, values(view.name(), key)));
      if (rnd.nextInt(8) == 0) {
        // a correction with the same event time (tie), later sequence
        events.add(
            new Event(
                view.name(),
                key,
                time,
                s + 1 + rnd.nextInt(5),
                ingested + rnd.nextInt(500),
                values(view.name(), key)));
      }
    }
    return this;
  }

  private Map<String, Object> values(String view, String key) {
    Map<String, Object> v = new HashMap<>();
    switch (view) {
      case "user_profile" -> {
        v.put(
            "last_amount",
            rnd.nextInt(10) == 0 ? null : Math.round(rnd.nextDouble() * 50000) / 100.0);
        v.put("last_merchant", "m" + rnd.nextInt(4));
      }
      case "user_txn_aggs" -> {
        v.put(
            "_in_amount",
            rnd.nextInt(10) == 0 ? null : Math.round(rnd.nextDouble() * 50000) / 100.0);
        v.put("_in_merchant", rnd.nextInt(12) == 0 ? null : "m" + rnd.nextInt(6));
      }
      case "merchant_risk" -> {
        v.put("risk_score", rnd.nextDouble());
        v.put("risk_level", rnd.nextInt(5));
      }
      default -> throw new IllegalArgumentException(view);
    }
    return v;
  }

  /** Writes this log's rows of {@code view} into its offline table, in a few commits. */
  public static void write(
      Catalog catalog, FeatureView view, List<Event> events, String keyColumn) {
    Table t = OfflineTables.ensureTable(catalog, view);
    List<Event> mine = events.stream().filter(e -> e.view().equals(view.name())).toList();
    int commits = 3;
    for (int c = 0; c < commits; c++) {
      OfflineWriter w = new OfflineWriter(t);
      for (int i = c; i < mine.size(); i += commits) {
        Event e = mine.get(i);
        Map<String, Object> row = new HashMap<>(e.values());
        row.put(keyColumn, e.key());
        row.put(OfflineTables.EVENT_TIME, e.time());
        row.put(OfflineTables.SEQ, e.seq());
        row.put(OfflineTables.INGESTED_AT, e.ingestedAt());
        w.add(w.record(row));
      }
      w.commit(Map.of());
    }
  }
}
