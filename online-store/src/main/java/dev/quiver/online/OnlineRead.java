package dev.quiver.online;

import java.util.List;
import java.util.Objects;

/**
 * A read of one entity's cells in one view table: for each selected qualifier, the newest version
 * with {@code minTs <= ts <= asOf}.
 *
 * @param table the view major version
 * @param entityKey the encoded entity key, without salt; not copied, do not mutate
 * @param qualifiers the qualifiers to read; empty = every qualifier of the entity in the table
 * @param asOf inclusive upper bound of cell timestamps ({@link Long#MAX_VALUE} for "now")
 * @param minTs inclusive lower bound of cell timestamps ({@code 0} for no bound)
 */
public record OnlineRead(
    ViewTableId table, byte[] entityKey, List<String> qualifiers, long asOf, long minTs) {
  public OnlineRead {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(entityKey, "entityKey");
    qualifiers = List.copyOf(qualifiers);
    if (minTs > asOf) {
      throw new IllegalArgumentException("minTs: " + minTs + " (expected: <= asOf " + asOf + ")");
    }
  }

  /** The newest version of each qualifier, with no time bound. */
  public static OnlineRead latest(ViewTableId table, byte[] entityKey, List<String> qualifiers) {
    return new OnlineRead(table, entityKey, qualifiers, Long.MAX_VALUE, 0);
  }
}
