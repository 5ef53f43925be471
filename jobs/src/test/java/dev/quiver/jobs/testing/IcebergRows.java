package dev.quiver.jobs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;

/**
 * The rows a job wrote to its Iceberg table, each formatted as one {@code |}-separated string and
 * sorted (a list, not a set: a row written twice shows up twice), and the same strings built from
 * the plain {@link Reference} for {@link Transactions#view}.
 */
public final class IcebergRows {
  private IcebergRows() {}

  /** {@link Transactions#view}'s columns, {@code _ingested_at} last. */
  public static final Function<Record, String> TRANSACTIONS =
      r -> withoutIngestedAt(r) + "|" + millis(r, "_ingested_at");

  /** {@link Transactions#view}'s columns without {@code _ingested_at} (a backfill's own time). */
  public static final Function<Record, String> TRANSACTIONS_WITHOUT_INGESTED_AT =
      IcebergRows::withoutIngestedAt;

  /** Every row of the current snapshot in the {@link #TRANSACTIONS} format. */
  public static List<String> read(Table table) {
    return read(table, null, null, TRANSACTIONS);
  }

  /**
   * The rows of a snapshot range in {@code format}: {@code from} null reads the whole table as of
   * snapshot {@code to} (the current one when {@code to} is null too), else the rows that the
   * snapshots after {@code from} up to {@code to} appended.
   */
  public static List<String> read(
      Table table, Long from, Long to, Function<Record, String> format) {
    table.refresh();
    List<String> rows = new ArrayList<>();
    if (table.currentSnapshot() == null) {
      return rows;
    }
    var scan = IcebergGenerics.read(table);
    try (CloseableIterable<Record> it =
        from != null
            ? scan.appendsBetween(from, to).build()
            : to != null ? scan.useSnapshot(to).build() : scan.build()) {
      for (Record r : it) {
        rows.add(format.apply(r));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    rows.sort(null);
    return rows;
  }

  /**
   * How many rows the current snapshot holds, from its summary (metadata only: cheap enough to poll
   * while a job runs; the jobs only append).
   */
  public static long count(Table table) {
    table.refresh();
    Snapshot current = table.currentSnapshot();
    return current == null
        ? 0
        : Long.parseLong(current.summary().getOrDefault("total-records", "0"));
  }

  /** The reference's accepted events as {@link #TRANSACTIONS} rows. */
  public static List<String> expected(Reference ref) {
    List<String> rows = new ArrayList<>();
    for (Reference.Accepted a : ref.accepted) {
      rows.add(expectedWithoutIngestedAt(a) + "|" + a.ingestedAt());
    }
    rows.sort(null);
    return rows;
  }

  /** The reference's accepted events as {@link #TRANSACTIONS_WITHOUT_INGESTED_AT} rows. */
  public static List<String> expectedWithoutIngestedAt(Reference ref) {
    List<String> rows = new ArrayList<>();
    ref.accepted.forEach(a -> rows.add(expectedWithoutIngestedAt(a)));
    rows.sort(null);
    return rows;
  }

  /** Epoch millis of a {@code timestamptz} column. */
  public static long millis(Record r, String column) {
    return ((OffsetDateTime) r.getField(column)).toInstant().toEpochMilli();
  }

  private static String withoutIngestedAt(Record r) {
    return String.join(
        "|",
        String.valueOf(r.getField("user_id")),
        Long.toString(millis(r, "event_time")),
        String.valueOf(r.getField("last_merchant")),
        String.valueOf(r.getField("last_amount")),
        String.valueOf(r.getField("amount_x100")),
        String.valueOf(r.getField("_in_amount")),
        String.valueOf(r.getField("_in_merchant")),
        String.valueOf(r.getField("_seq")));
  }

  private static String expectedWithoutIngestedAt(Reference.Accepted a) {
    Transactions.Txn t = a.txn();
    return String.join(
        "|",
        t.userId(),
        Long.toString(t.ts()),
        t.merchant(),
        Double.toString(t.amount()),
        Long.toString((long) (t.amount() * 100)),
        Double.toString(t.amount()),
        t.merchant(),
        Long.toString(a.seq()));
  }
}
