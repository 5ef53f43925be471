package dev.quiver.online.embedded;

import dev.quiver.online.RowKeys;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * RocksDB key and value layout of the embedded store, the HBase cell model flattened into one
 * sorted key space per column family:
 *
 * <pre>
 *   key   = hash8(entity) ++ u16 len(entity) ++ entity ++ u16 len(qualifier) ++ qualifier
 *           ++ i64 (Long.MAX_VALUE - ts)
 *   value = i64 ts ++ cell bytes
 * </pre>
 *
 * where {@code entity} is the encoded entity key and {@code hash8} its 64-bit MurmurHash3 (the
 * HBase salt widened): a fixed-length prefix per entity, so RocksDB's prefix Bloom filters skip
 * every SST file that does not hold the entity, and an entity's cells stay contiguous for a
 * whole-row read. Length prefixes make every prefix unambiguous; the inverted timestamp sorts the
 * versions of one cell newest first, so one seek to {@code (row, qualifier, MAX - asOf)} lands on
 * the newest version with {@code ts <= asOf}. The value repeats the timestamp at offset 0 because
 * that is where Flink's RocksDB compaction filter reads it for TTL expiry. All integers big-endian.
 */
final class EmbeddedKeys {
  private EmbeddedKeys() {}

  /** Length of the fixed prefix that RocksDB's prefix extractor and Bloom filters use. */
  static final int HASH_BYTES = 8;

  /** {@code hash8 ++ u16 len(entity) ++ entity}: the prefix of every key of one entity. */
  static byte[] rowPrefix(byte[] entityKey) {
    if (entityKey.length > 0xFFFF) {
      throw new IllegalArgumentException(
          "entity key: " + entityKey.length + " bytes (expected: < 65,000)");
    }
    ByteBuffer b = ByteBuffer.allocate(HASH_BYTES + 2 + entityKey.length);
    b.putLong(RowKeys.hash(entityKey)).putShort((short) entityKey.length).put(entityKey);
    return b.array();
  }

  /** {@code rowPrefix ++ u16 len(q) ++ q}: the prefix of every version of one cell. */
  static byte[] cellPrefix(byte[] rowPrefix, String qualifier) {
    return cell(rowPrefix, qualifier, 0).array();
  }

  /** {@code key(cellPrefix(rowPrefix, qualifier), ts)} in one allocation. */
  static byte[] key(byte[] rowPrefix, String qualifier, long ts) {
    return cell(rowPrefix, qualifier, 8).putLong(Long.MAX_VALUE - ts).array();
  }

  /** A buffer holding the cell prefix, with {@code room} more bytes left for the caller. */
  private static ByteBuffer cell(byte[] rowPrefix, String qualifier, int room) {
    byte[] q = qualifier.getBytes(StandardCharsets.UTF_8);
    if (q.length > 0xFFFF) {
      throw new IllegalArgumentException("qualifier: " + q.length + " bytes (expected: < 65,000)");
    }
    ByteBuffer b = ByteBuffer.allocate(rowPrefix.length + 2 + q.length + room);
    return b.put(rowPrefix).putShort((short) q.length).put(q);
  }

  /** The key of one version: {@code cellPrefix ++ (MAX - ts)}. */
  static byte[] key(byte[] cellPrefix, long ts) {
    ByteBuffer b = ByteBuffer.allocate(cellPrefix.length + 8);
    b.put(cellPrefix).putLong(Long.MAX_VALUE - ts);
    return b.array();
  }

  static byte[] value(long ts, byte[] cell) {
    ByteBuffer b = ByteBuffer.allocate(8 + cell.length);
    b.putLong(ts).put(cell);
    return b.array();
  }

  static long tsOfKey(byte[] key) {
    return Long.MAX_VALUE - ByteBuffer.wrap(key, key.length - 8, 8).getLong();
  }

  static byte[] cellOfValue(byte[] value) {
    return Arrays.copyOfRange(value, 8, value.length);
  }

  static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length
        && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }

  /** The qualifier of a key that starts with {@code rowPrefix}. */
  static String qualifierOf(byte[] key, int rowPrefixLength) {
    int len = ((key[rowPrefixLength] & 0xFF) << 8) | (key[rowPrefixLength + 1] & 0xFF);
    return new String(key, rowPrefixLength + 2, len, StandardCharsets.UTF_8);
  }
}
