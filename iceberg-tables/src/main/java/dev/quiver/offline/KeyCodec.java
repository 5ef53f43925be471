package dev.quiver.offline;

import dev.quiver.core.codec.Hash64;
import dev.quiver.core.spec.FeatureType;

/** Encodes join-key values as one string (the sweep's grouping key). */
public final class KeyCodec {
  /** The separator of a multi-column key's values (one byte in UTF-8). */
  static final char SEP = '\u001f';

  private KeyCodec() {}

  /** Null when any key value is null (such rows join nothing). */
  public static String encode(Object[] values, int[] positions) {
    if (positions.length == 1) {
      Object v = values[positions[0]];
      return v == null ? null : v.toString();
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < positions.length; i++) {
      Object v = values[positions[i]];
      if (v == null) {
        return null;
      }
      if (i > 0) {
        sb.append(SEP);
      }
      sb.append(v);
    }
    return sb.toString();
  }

  /**
   * A 64-bit hash of an encoded key, the Flink grouping key of the sweep: a fixed-length key lets
   * Flink's batch sort compare normalized key bytes instead of deserializing strings. Distinct keys
   * may collide; the sweep separates them again by the full key.
   */
  public static long hash64(String key) {
    long h = Hash64.FNV_OFFSET; // FNV-1a over the chars, then murmur3's fmix64
    for (int i = 0; i < key.length(); i++) {
      h = Hash64.step(h, key.charAt(i));
    }
    return Hash64.fmix64(h);
  }

  /** {@link #hash64Ascii}'s answer for bytes that are not all ASCII (never a real hash's use). */
  static final long NOT_ASCII = 0L;

  /**
   * {@link #hash64} of the string whose UTF-8 bytes these are, when they are all ASCII (then each
   * byte is one char); {@link #NOT_ASCII} otherwise (hash the decoded string instead).
   */
  static long hash64Ascii(byte[] utf8) {
    return hash64Ascii(utf8, 0, utf8.length);
  }

  /** {@link #hash64Ascii(byte[])} of {@code utf8[offset, offset + length)}. */
  static long hash64Ascii(byte[] utf8, int offset, int length) {
    long h = Hash64.FNV_OFFSET;
    for (int i = offset, end = offset + length; i < end; i++) {
      byte b = utf8[i];
      if (b < 0) {
        return NOT_ASCII;
      }
      h = Hash64.step(h, b);
    }
    return Hash64.fmix64(h);
  }

  public static String[] decode(String key, int parts) {
    return parts == 1 ? new String[] {key} : key.split(String.valueOf(SEP), -1);
  }

  static Object typed(String part, FeatureType.Scalar type) {
    return switch (type) {
      case INT32 -> Integer.valueOf(part);
      case INT64 -> Long.valueOf(part);
      default -> part;
    };
  }
}
