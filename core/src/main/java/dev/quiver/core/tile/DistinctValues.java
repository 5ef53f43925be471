package dev.quiver.core.tile;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * The canonical bytes of a count_distinct input value: what the HLL sketch hashes, online (the
 * streaming job's tiles) and offline (the training-set sweep) alike, whatever Java type each side's
 * reader happens to deliver for the column. Two values give the same bytes exactly when they are
 * the same value of the column's type:
 *
 * <ul>
 *   <li>INT32, INT64: the decimal text ({@code -12}), as ASCII;
 *   <li>TIMESTAMP: the decimal text of its epoch milliseconds (an Instant, a UTC LocalDateTime or
 *       the epoch-millis number the offline reader gives; finer digits are dropped);
 *   <li>FLOAT32, FLOAT64: the 8 big-endian bytes of the IEEE 754 double (a FLOAT32 widened
 *       exactly), with {@code -0.0} taken as {@code 0.0} and every NaN as the one canonical NaN;
 *   <li>STRING: its UTF-8 bytes; BYTES: the bytes themselves; an empty STRING or BYTES value:
 *       {@link #EMPTY} ({@code C0 80}), since the sketch ignores an empty array;
 *   <li>BOOL: {@code TRUE} or {@code FALSE}, as ASCII.
 * </ul>
 *
 * <p>Values of different types may share bytes (7 and "7"); a column has one type, so they never
 * meet in one sketch. Integers, strings, booleans and valid UTF-8 byte strings keep the bytes the
 * streaming job hashed before this encoding (its {@code CAST(x AS STRING)} text), so tiles already
 * written stay exact for them; see docs/materialization.md for FLOAT and TIMESTAMP columns.
 */
public final class DistinctValues {
  private static final byte[] TRUE = "TRUE".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] FALSE = "FALSE".getBytes(StandardCharsets.US_ASCII);

  /**
   * The bytes hashed for an empty STRING or BYTES value. DataSketches' {@code
   * HllSketch.update(byte[])} returns without an update for an empty array, so {@code ''} was not
   * counted (count_distinct of {@code '', 'a'} was 1; SQL's {@code COUNT(DISTINCT)} gives 2; QA
   * pass of session 20). {@code C0 80} is an overlong encoding that no UTF-8 string has, so no
   * STRING value shares it; in a BYTES column the two-byte value {@code C0 80} and the empty value
   * count as one (docs/spec-reference.md, "Features").
   */
  static final byte[] EMPTY = {(byte) 0xC0, (byte) 0x80};

  private DistinctValues() {}

  /**
   * The canonical bytes of a non-null scalar value; never empty.
   *
   * @throws IllegalArgumentException when the value is not a scalar feature value
   */
  public static byte[] bytes(Object value) {
    byte[] b = raw(value);
    return b.length == 0 ? EMPTY : b;
  }

  private static byte[] raw(Object value) {
    if (value instanceof String s) {
      return s.getBytes(StandardCharsets.UTF_8);
    }
    if (value instanceof Long || value instanceof Integer || value instanceof Short) {
      return decimal(((Number) value).longValue());
    }
    if (value instanceof Byte b) {
      return decimal(b);
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      long bits = d == 0.0 ? 0L : Double.doubleToLongBits(d); // -0.0 == 0.0; one NaN
      return ByteBuffer.allocate(8).putLong(bits).array();
    }
    if (value instanceof Instant i) {
      return decimal(i.toEpochMilli());
    }
    if (value instanceof LocalDateTime t) {
      return decimal(t.toInstant(ZoneOffset.UTC).toEpochMilli());
    }
    if (value instanceof byte[] b) {
      return b;
    }
    if (value instanceof ByteBuffer buf) {
      ByteBuffer d = buf.duplicate();
      byte[] b = new byte[d.remaining()];
      d.get(b);
      return b;
    }
    if (value instanceof Boolean b) {
      return b ? TRUE : FALSE;
    }
    if (value instanceof CharSequence cs) {
      return cs.toString().getBytes(StandardCharsets.UTF_8);
    }
    throw new IllegalArgumentException(
        "count_distinct: value of type "
            + (value == null ? "null" : value.getClass().getSimpleName())
            + " (expected: a scalar feature value: a number, STRING, BYTES, BOOL or TIMESTAMP)");
  }

  private static byte[] decimal(long v) {
    return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
  }
}
