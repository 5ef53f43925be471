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
 * tag 'B' (0x42), format 1, u16 count, then per series: u16 len(name), name (UTF-8),
 *                                                     i32 len(state), state ({@link TileAggregator#encode})
 * </pre>
 *
 * (big-endian). Self-describing by name: a reader of a later compatible revision (which may add
 * series) finds the series it needs, or none. A series without a state (no event folded in) is left
 * out. Stateless and thread-safe.
 */
public final class TileBundle {
  static final byte TAG = 'B';
  static final byte FORMAT = 1;

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
   */
  public static byte[] encode(byte[][] names, byte[][] states) {
    if (names.length != states.length || names.length > 0xFFFF) {
      throw new IllegalArgumentException(
          "tile bundle: " + names.length + " names for " + states.length + " states");
    }
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
    out[1] = FORMAT;
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
   * The encoded state of series {@code name} (UTF-8) in {@code bundle}, or null when the bundle has
   * none.
   *
   * @throws IllegalArgumentException when the bytes are not a tile bundle
   */
  public static byte[] find(byte[] bundle, byte[] name) {
    if (bundle == null || bundle.length < 4 || bundle[0] != TAG || bundle[1] != FORMAT) {
      throw new IllegalArgumentException(
          "tile cell: not a tile bundle (expected tag "
              + TAG
              + " format "
              + FORMAT
              + ", got "
              + (bundle == null || bundle.length == 0 ? "no bytes" : "tag " + bundle[0])
              + ")");
    }
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
