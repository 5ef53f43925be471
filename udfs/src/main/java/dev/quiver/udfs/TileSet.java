package dev.quiver.udfs;

import dev.quiver.core.tile.TileState;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The decoded accumulator of {@link TileSetAggregate}: the tiles (resolution, start) of one entity
 * within one coarsest tile, each with its max event time, its encoded {@link
 * dev.quiver.core.tile.TileBundle} and whether the last update changed it. A tile's series states
 * are decoded only when an event reaches it. Not thread-safe (one per accumulator).
 *
 * <p>Encoded set: {@code int n}, then per tile {@code long res, long start, long maxEventMs, byte
 * changed, int length, bundle}. Encoded changed list (the aggregate's result): {@code int n}, then
 * per changed tile {@code long res, long start, long maxEventMs, int length, bundle}.
 */
final class TileSet {
  private static final class Entry {
    final long res;
    final long start;
    long maxEventMs;
    boolean changed;
    // The encoded bundle: bundle[offset, offset + length), a slice of the decoded set's bytes
    // until the tile is re-encoded (untouched tiles are never copied).
    byte[] bundle;
    int offset;
    int length;
    TileState[] states;
    boolean stale;

    Entry(long res, long start, long maxEventMs, boolean changed) {
      this.res = res;
      this.start = start;
      this.maxEventMs = maxEventMs;
      this.changed = changed;
    }
  }

  private final TileBundleAggregate.Series series;
  private final List<Entry> entries;
  private boolean modified;

  private TileSet(TileBundleAggregate.Series series, List<Entry> entries) {
    this.series = series;
    this.entries = entries;
  }

  /**
   * Decodes an encoded set ({@code null}: empty). {@code series} may be null only if the set is not
   * going to be {@link #touch touched}.
   */
  static TileSet decode(byte[] encoded, TileBundleAggregate.Series series) {
    if (encoded == null) {
      return new TileSet(series, new ArrayList<>(4));
    }
    ByteBuffer b = ByteBuffer.wrap(encoded);
    int n = b.getInt();
    List<Entry> entries = new ArrayList<>(n + 3);
    for (int i = 0; i < n; i++) {
      long res = b.getLong();
      long start = b.getLong();
      long max = b.getLong();
      boolean changed = b.get() != 0;
      int len = b.getInt();
      int pos = b.position();
      Entry e = new Entry(res, start, max, changed);
      e.bundle = encoded;
      e.offset = pos;
      e.length = len;
      entries.add(e);
      b.position(pos + len);
    }
    return new TileSet(series, entries);
  }

  TileBundleAggregate.Series series() {
    return series;
  }

  /** Whether anything changed since decoding or the last {@link #encode}. */
  boolean modified() {
    return modified;
  }

  /** Clears every tile's changed flag (a new update begins). */
  void clearChanged() {
    for (Entry e : entries) {
      if (e.changed) {
        e.changed = false;
        modified = true;
      }
    }
  }

  /**
   * The series states of tile (res, start), decoded (or new and empty), to be updated in place by
   * the caller with an event at {@code eventMs}: the tile is marked changed.
   */
  TileState[] touch(long res, long start, long eventMs) {
    Entry e = null;
    for (int i = entries.size() - 1; i >= 0; i--) {
      Entry c = entries.get(i);
      if (c.res == res && c.start == start) {
        e = c;
        break;
      }
    }
    if (e == null) {
      e = new Entry(res, start, eventMs, true);
      entries.add(e);
    }
    if (e.states == null) {
      e.states =
          series.decode(
              e.bundle == null
                  ? null
                  : e.offset == 0 && e.length == e.bundle.length
                      ? e.bundle
                      : Arrays.copyOfRange(e.bundle, e.offset, e.offset + e.length));
    }
    e.maxEventMs = Math.max(e.maxEventMs, eventMs);
    e.changed = true;
    e.stale = true;
    modified = true;
    return e.states;
  }

  /** Re-encodes the tile if an event changed it since; returns its encoded length. */
  private int refresh(Entry e) {
    if (e.stale) {
      e.bundle = series.encode(e.states);
      e.offset = 0;
      e.length = e.bundle.length;
      e.stale = false;
    }
    return e.length;
  }

  /** The encoded set. */
  byte[] encode() {
    int size = 4;
    for (Entry e : entries) {
      size += 8 * 3 + 1 + 4 + refresh(e);
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.putInt(entries.size());
    for (Entry e : entries) {
      b.putLong(e.res).putLong(e.start).putLong(e.maxEventMs).put((byte) (e.changed ? 1 : 0));
      b.putInt(e.length).put(e.bundle, e.offset, e.length);
    }
    modified = false;
    return b.array();
  }

  /** The encoded list of the changed tiles. */
  byte[] encodeChanged() {
    int size = 4;
    int n = 0;
    for (Entry e : entries) {
      if (e.changed) {
        size += 8 * 3 + 4 + refresh(e);
        n++;
      }
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.putInt(n);
    for (Entry e : entries) {
      if (e.changed) {
        b.putLong(e.res).putLong(e.start).putLong(e.maxEventMs);
        b.putInt(e.length).put(e.bundle, e.offset, e.length);
      }
    }
    return b.array();
  }
}
