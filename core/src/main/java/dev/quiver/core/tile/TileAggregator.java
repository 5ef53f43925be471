package dev.quiver.core.tile;

/**
 * The algebra of one window aggregation over tiles: a commutative monoid of intermediate states
 * ({@link #empty()}, {@link #merge}) with an {@link #add} for raw events, a {@link #finish} to the
 * feature value, and a byte encoding for storage. Because {@code merge} is associative and
 * commutative, the state of a window is the same whatever tiles (fine or rollup) it is assembled
 * from, and the same online (tiles merged at read time) and offline (events folded directly).
 *
 * <p>Ordering rule for first/last/last_n: events are ordered by {@code (eventTime, seq)}; {@code
 * seq} breaks ties between equal event times (the Kafka offset, or an ingestion sequence), and the
 * higher seq is the later event. The same rule applies everywhere.
 *
 * <p>Ownership: {@code add} and {@code merge} may mutate and return their first argument (as
 * accumulators do in Flink); callers must treat the first argument as consumed and use the return
 * value. The second argument of {@code merge} is never mutated. Instances are stateless and
 * thread-safe; states are not thread-safe.
 */
public interface TileAggregator {

  /** The state of a tile with no events. Never null. */
  TileState empty();

  /**
   * Folds one event into {@code state}.
   *
   * @param value the input column value, normalized by the aggregator; null values are skipped by
   *     every function except {@code count(*)}
   * @param eventTime event time, epoch millis
   * @param seq tie-breaker among equal event times (higher is later)
   * @throws IllegalArgumentException when the value has the wrong type (message names it)
   */
  TileState add(TileState state, Object value, long eventTime, long seq);

  /** Merges two states; associative and commutative. */
  TileState merge(TileState a, TileState b);

  /**
   * The feature value of a (merged) state (null for an integral sum beyond the long range); for an
   * empty state: 0 for count, sum and count_distinct, an empty list for last_n, null for the
   * others.
   */
  Object finish(TileState state);

  /** Encodes a state to bytes (a tile cell value). */
  byte[] encode(TileState state);

  /**
   * Decodes bytes written by {@link #encode}.
   *
   * @throws IllegalArgumentException when the bytes are not a state of this aggregator
   */
  TileState decode(byte[] bytes);
}
