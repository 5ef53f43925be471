package dev.quiver.core.tile;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The online cell of one tile (entity, resolution, start): the encoded partial states of every tile
 * series of the view in that tile, each under its series name ({@link TileAggregators#seriesName}),
 * so a tile is one cell instead of one per series.
 *
 * <pre>
 * format 2 (written): tag 'B' (0x42), 2, u16 count, then per series: i64 nameHash, varint len(state), state
 * format 1 (read):    tag 'B' (0x42), 1, u16 count, then per series: u16 len(name), name (UTF-8),
 *                                                                  i32 len(state), state
 * </pre>
 *
 * (big-endian; {@code state} is {@link TileAggregator#encode}, {@code nameHash} the 64-bit FNV-1a
 * hash of the name's UTF-8 bytes). Format 2 replaces each name by its hash: a tile is written to
 * Flink state and to the online store every time it changes, and the names were half of its bytes.
 * A bundle whose names collide in 64 bits (never for real series names, but possible in principle)
 * is written in format 1. Self-describing by name (or hash): a reader of a later compatible
 * revision (which may add series) finds the series it needs, or none; {@link #find} reads both
 * formats, so cells and checkpoints written before format 2 stay readable. A series without a state
 * (no event folded in) is left out. Stateless and thread-safe.
 */
public final class TileBundle {
  static final byte TAG = 'B';
  static final byte FORMAT_NAMES = 1;
  static final byte FORMAT_HASHES = 2;

  private TileBundle() {}

  /** The UTF-8 bytes of series names, as {@link #encode} and {@link #find} take them. */
  public static byte[][] names(List<String> series) {
    byte[][] out = new byte[series.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = series.get(i).getBytes(StandardCharsets.UTF_8);
    }
    return out;
  }

  /**
   * Encodes the states {@code states[i]} of the series {@code names[i]}; null states are left out.
   * Format 2 (name hashes), or format 1 when two names' hashes collide.
   */
  public static byte[] encode(byte[][] names, byte[][] states) {
    if (names.length != states.length || names.length > 0xFFFF) {
      throw new IllegalArgumentException(
          "tile bundle: " + names.length + " names for " + states.length + " states");
    }
    long[] hashes = new long[names.length];
    for (int i = 0; i < names.length; i++) {
      hashes[i] = hash(names[i], 0, names[i].length);
      for (int j = 0; j < i; j++) {
        if (hashes[j] == hashes[i] && !Arrays.equals(names[i], names[j])) {
          return encodeNames(names, states);
        }
      }
    }
    int size = 4;
    int count = 0;
    for (byte[] s : states) {
      if (s != null) {
        size += 8 + varintSize(s.length) + s.length;
        count++;
      }
    }
    byte[] out = new byte[size];
    out[0] = TAG;
    out[1] = FORMAT_HASHES;
    int p = putShort(out, 2, count);
    for (int i = 0; i < names.length; i++) {
      byte[] s = states[i];
      if (s == null) {
        continue;
      }
      long h = hashes[i];
      for (int shift = 56; shift >= 0; shift -= 8) {
        out[p++] = (byte) (h >>> shift);
      }
      int len = s.length;
      while ((len & ~0x7F) != 0) {
        out[p++] = (byte) ((len & 0x7F) | 0x80);
        len >>>= 7;
      }
      out[p++] = (byte) len;
      System.arraycopy(s, 0, out, p, s.length);
      p += s.length;
    }
    return out;
  }

  /** Format 1: each series under its full name. */
  static byte[] encodeNames(byte[][] names, byte[][] states) {
    int size = 4;
    int count = 0;
    for (int i = 0; i < names.length; i++) {
      if (states[i] != null) {
        size += 2 + names[i].length + 4 + states[i].length;
        count++;
      }
    }
    byte[] out = new byte[size];
    out[0] = TAG;
    out[1] = FORMAT_NAMES;
    int p = putShort(out, 2, count);
    for (int i = 0; i < names.length; i++) {
      byte[] s = states[i];
      if (s == null) {
        continue;
      }
      p = putShort(out, p, names[i].length);
      System.arraycopy(names[i], 0, out, p, names[i].length);
      p += names[i].length;
      out[p++] = (byte) (s.length >>> 24);
      out[p++] = (byte) (s.length >>> 16);
      out[p++] = (byte) (s.length >>> 8);
      out[p++] = (byte) s.length;
      System.arraycopy(s, 0, out, p, s.length);
      p += s.length;
    }
    return out;
  }

  /**
   * The encoded state of series {@code name} (UTF-8) in {@code bundle} (format 1 or 2), or null
   * when the bundle has none.
   *
   * @throws IllegalArgumentException when the bytes are not a tile bundle
   */
  public static byte[] find(byte[] bundle, byte[] name) {
    if (bundle == null
        || bundle.length < 4
        || bundle[0] != TAG
        || (bundle[1] != FORMAT_NAMES && bundle[1] != FORMAT_HASHES)) {
      throw new IllegalArgumentException(
          "tile cell: not a tile bundle (expected tag "
              + TAG
              + " format "
              + FORMAT_NAMES
              + " or "
              + FORMAT_HASHES
              + ", got "
              + (bundle == null || bundle.length == 0 ? "no bytes" : "tag " + bundle[0])
              + ")");
    }
    return bundle[1] == FORMAT_HASHES ? findHash(bundle, name) : findName(bundle, name);
  }

  private static byte[] findHash(byte[] bundle, byte[] name) {
    long want = hash(name, 0, name.length);
    int count = getShort(bundle, 2);
    int p = 4;
    for (int i = 0; i < count; i++) {
      if (p + 9 > bundle.length) {
        throw new IllegalArgumentException("tile cell: truncated tile bundle");
      }
      long h = 0;
      for (int k = 0; k < 8; k++) {
        h = (h << 8) | (bundle[p++] & 0xFF);
      }
      int len = 0;
      for (int shift = 0; ; shift += 7) {
        if (p >= bundle.length || shift > 28) {
          throw new IllegalArgumentException("tile cell: truncated tile bundle");
        }
        byte b = bundle[p++];
        len |= (b & 0x7F) << shift;
        if (b >= 0) {
          break;
        }
      }
      if (len < 0 || p + len > bundle.length) {
        throw new IllegalArgumentException("tile cell: truncated tile bundle");
      }
      if (h == want) {
        return Arrays.copyOfRange(bundle, p, p + len);
      }
      p += len;
    }
    return null;
  }

  private static byte[] findName(byte[] bundle, byte[] name) {
    int count = getShort(bundle, 2);
    int p = 4;
    for (int i = 0; i < count; i++) {
      int nameLen = getShort(bundle, p);
      p += 2;
      int stateAt = p + nameLen + 4;
      if (stateAt > bundle.length) {
        throw new IllegalArgumentException("tile cell: truncated tile bundle");
      }
      int stateLen =
          ((bundle[p + nameLen] & 0xFF) << 24)
              | ((bundle[p + nameLen + 1] & 0xFF) << 16)
              | ((bundle[p + nameLen + 2] & 0xFF) << 8)
              | (bundle[p + nameLen + 3] & 0xFF);
      if (stateLen < 0 || stateAt + stateLen > bundle.length) {
        throw new IllegalArgumentException("tile cell: truncated tile bundle");
      }
      if (nameLen == name.length && Arrays.equals(bundle, p, p + nameLen, name, 0, name.length)) {
        return Arrays.copyOfRange(bundle, stateAt, stateAt + stateLen);
      }
      p = stateAt + stateLen;
    }
    return null;
  }

  /** 64-bit FNV-1a of {@code b[from, to)}. */
  static long hash(byte[] b, int from, int to) {
    return dev.quiver.core.codec.Hash64.fnv1a(b, from, to);
  }

  private static int varintSize(int v) {
    int n = 1;
    while ((v & ~0x7F) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }

  private static int putShort(byte[] out, int p, int v) {
    out[p] = (byte) (v >>> 8);
    out[p + 1] = (byte) v;
    return p + 2;
  }

  private static int getShort(byte[] in, int p) {
    if (p + 2 > in.length) {
      throw new IllegalArgumentException("tile cell: truncated tile bundle");
    }
    return ((in[p] & 0xFF) << 8) | (in[p + 1] & 0xFF);
  }
}
