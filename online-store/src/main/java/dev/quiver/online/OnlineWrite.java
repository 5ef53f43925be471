package dev.quiver.online;

import java.util.Objects;

/**
 * One cell to write: the value of {@code qualifier} for an entity, at timestamp {@code ts}.
 *
 * <p>Row features: qualifier = the feature name, ts = the event time. Tiles: qualifier = {@link
 * Qualifiers#tile}, ts = the newest event time folded into the tile, value = a {@code TileBundle}
 * of the complete partial aggregate of every series (an upsert, never an increment). Writing the
 * same (entity, qualifier, ts) again replaces that version, so a replay is idempotent, and a write
 * with an older ts never hides a newer one.
 *
 * @param table the view major version
 * @param entityKey the encoded entity key ({@code EntityKeyCodec}), without salt; not copied, do
 *     not mutate
 * @param qualifier the column qualifier, non-empty
 * @param ts epoch millis, {@code >= 0}
 * @param value the cell value, non-null (an encoded null is an empty array)
 */
public record OnlineWrite(
    ViewTableId table, byte[] entityKey, String qualifier, long ts, byte[] value) {
  public OnlineWrite {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(entityKey, "entityKey");
    Objects.requireNonNull(value, "value");
    if (qualifier == null || qualifier.isEmpty()) {
      throw new IllegalArgumentException("qualifier: '" + qualifier + "' (expected: non-empty)");
    }
    if (ts < 0) {
      throw new IllegalArgumentException("ts: " + ts + " (expected: >= 0 epoch millis)");
    }
  }
}
