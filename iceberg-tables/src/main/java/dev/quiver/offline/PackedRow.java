package dev.quiver.offline;

/**
 * A {@link SweepRow} serialized once ({@link SweepRowSerializer}) beside its join-key hash ({@link
 * KeyCodec#hash64}, also the partitioning key), before it is appended to a {@link PackedBatch}.
 * Mutable, not thread-safe; {@link #bytes} null marks an event with a null key (dropped).
 */
final class PackedRow {
  long hash;
  byte[] bytes;

  PackedRow() {}

  PackedRow(long hash, byte[] bytes) {
    this.hash = hash;
    this.bytes = bytes;
  }
}
