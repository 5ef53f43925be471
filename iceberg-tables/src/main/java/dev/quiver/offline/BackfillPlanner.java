package dev.quiver.offline;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import java.time.Instant;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

/**
 * Turns a view into the batch SQL of its backfill: the streaming job's own statements over a
 * bounded events table. Implementations are found through {@link java.util.ServiceLoader} by {@link
 * #identifier()} ({@code offline.backfill.planner}); the {@code quiver-jobs} module provides {@code
 * streaming-sql}, which runs the text {@code quiver plan VIEW} prints.
 */
public interface BackfillPlanner {
  /**
   * The Flink accumulator ({@code long}) in which a planner counts the history records it skips
   * itself, as malformed (a Kafka record the streaming job dead-lettered); see {@link
   * Query#skippedSelect()} for the rows of a table it filters out in SQL.
   */
  String SKIPPED_ACCUMULATOR = "quiverBackfillSkipped";

  /**
   * The Flink accumulator ({@code long}) in which a planner counts the history records its job has
   * read (Kafka records, or rows of the raw table, malformed ones included): the backfill's
   * progress, against {@link Query#inputRecords()}. A counter increment per record.
   */
  String READ_ACCUMULATOR = "quiverBackfillRead";

  /** The lowercase name this planner is chosen by. */
  String identifier();

  /**
   * Registers in {@code request.tEnv()} the view's events read from {@code request.source()} (event
   * times in {@code [from, to)}, deduplicated, {@code _ingested_at = ingestedAt}) and the streaming
   * job's views over them, and returns the statements that produce the backfill's rows. Called once
   * per backfill, from the backfill's thread; registers only temporary objects.
   *
   * @return never null
   * @throws IllegalArgumentException when the view or the source cannot be backfilled, naming the
   *     field and the fix
   */
  Query prepare(Request request);

  /**
   * The event times the history read must cover for a backfill of {@code [from, to)}: the range
   * itself, unless the planner's online writes need more of the history — a tile is written whole,
   * so its events outside the range are read too. Only the online writes use the wider read; the
   * offline rows (and row cells) stay those of {@code [from, to)}. Called once per backfill, before
   * {@link #prepare}, so that the backfill scans (and sizes) what the job will read; its result is
   * then passed to {@link #prepare} as {@link Request#read()}.
   *
   * @return a range that contains {@code [from, to)}
   */
  default TimeRange readRange(FeatureView view, Instant from, Instant to, boolean online) {
    return new TimeRange(from, to);
  }

  /** Event times {@code [from, to)}. */
  record TimeRange(Instant from, Instant to) {
    /** Whether it is {@code [from, to)} exactly. */
    public boolean is(Instant otherFrom, Instant otherTo) {
      return from.equals(otherFrom) && to.equals(otherTo);
    }
  }

  /**
   * What to prepare.
   *
   * @param env the batch-mode stream environment the backfill's job runs on
   * @param tEnv a batch-mode table environment over {@code env}
   * @param config the Quiver configuration (Kafka bootstrap, online store, …)
   * @param view the view version to backfill
   * @param keys its join keys, in order
   * @param source where the raw events are
   * @param from first event time included
   * @param to first event time excluded
   * @param read the planner's {@link #readRange} for this view, range and {@code online}: the event
   *     times the history read covers
   * @param ingestedAt the {@code _ingested_at} of every backfilled row
   * @param online whether the online sinks run too (throttled by {@code
   *     offline.backfill.online-rate})
   */
  record Request(
      StreamExecutionEnvironment env,
      StreamTableEnvironment tEnv,
      QuiverConfig config,
      FeatureView view,
      List<JoinKey> keys,
      BackfillSource source,
      Instant from,
      Instant to,
      TimeRange read,
      Instant ingestedAt,
      boolean online) {}

  /**
   * The prepared backfill: a first batch job writes the offline rows and the online inserts that do
   * not depend on write order (tiles); a second one, after the {@code secondSetup} statements, the
   * order-dependent online inserts (row cells, where of two events with equal event time the one
   * written last wins).
   *
   * @param offlineSelect the streaming job's Iceberg {@code INSERT}'s query: rows in the offline
   *     table's column order
   * @param onlineInserts online {@code INSERT}s of the first job (empty unless online)
   * @param secondSetup statements run between the two jobs (empty unless online)
   * @param secondInserts online {@code INSERT}s of the second job (empty unless online)
   * @param sqlText the whole text, for the dry run and the audit
   * @param skippedSelect a query of the history's rows the backfill skips as malformed (a null key,
   *     event time or dedup key, a key over {@code EntityKeyCodec.MAX_KEY_CHARS}) with their event
   *     time in range or null, to be counted; null when the planner counts the records it skips in
   *     {@link #SKIPPED_ACCUMULATOR} (a Kafka range, through the streaming job's parser)
   * @param inputRecords the history records the first job reads and counts in {@link
   *     #READ_ACCUMULATOR} (a Kafka range's offsets), or -1 when the backfill knows them itself
   *     (the record count of the raw table's files its range's scan keeps) or nobody does
   */
  record Query(
      String offlineSelect,
      List<String> onlineInserts,
      List<String> secondSetup,
      List<String> secondInserts,
      String sqlText,
      String skippedSelect,
      long inputRecords) {
    public Query {
      onlineInserts = List.copyOf(onlineInserts);
      secondSetup = List.copyOf(secondSetup);
      secondInserts = List.copyOf(secondInserts);
    }

    /** A query whose input the backfill sizes itself ({@code inputRecords} -1). */
    public Query(
        String offlineSelect,
        List<String> onlineInserts,
        List<String> secondSetup,
        List<String> secondInserts,
        String sqlText,
        String skippedSelect) {
      this(offlineSelect, onlineInserts, secondSetup, secondInserts, sqlText, skippedSelect, -1);
    }
  }
}
