package dev.quiver.core.tile;

import dev.quiver.core.spec.Durations;
import dev.quiver.core.spec.FeatureView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The tile grid of a feature view and the window rule. Times are epoch millis.
 *
 * <p><b>Window rule.</b> A window aggregation with window {@code W} over tiles of size {@code s},
 * read at time {@code t}, covers the events with {@code a(t) <= event_time <= t}, where {@code a(t)
 * = floor(t / s) * s + s - W}: the start is aligned to the tile grid (so the window spans between
 * {@code W - s} and {@code W} of history plus the current tile), the end is exact at t. Tile {@code
 * k} covers {@code [k*s, (k+1)*s)}. A read merges the tiles with start in {@code [a(t),
 * tileStart(t)]}; the last of them, the <em>head</em> tile, holds the events that have arrived so
 * far (for an {@code as_of} read, its newest version with timestamp {@code <= t}).
 *
 * <p><b>Rollups.</b> Besides the fine tiles, the writer keeps coarser tiles of the same states
 * (default 1h and 1d, see {@link #forView}); each rollup tile is exactly the union of the fine
 * tiles it spans, so {@link #cover} can read a minimal set of tiles — fine at the edges, coarse in
 * the middle — and get the same answer as from fine tiles alone. A 7d window over 5m tiles needs at
 * most ~75 tiles instead of 2,016.
 *
 * <p>Immutable and thread-safe.
 */
public final class Tiling {
  /**
   * The earliest read time {@link #cover} takes: -2^61 ms, about 73 million years before 1970. The
   * tile arithmetic overflows a long far beyond it; no event time comes near it (event times are
   * Flink {@code TIMESTAMP_LTZ} values, years 0 to 9999).
   */
  public static final long MIN_READ_TIME = -(1L << 61);

  /** The latest read time {@link #cover} takes: 2^61 ms, about 73 million years after 1970. */
  public static final long MAX_READ_TIME = 1L << 61;

  private final long tileSize;
  private final List<Long> resolutions;

  private Tiling(long tileSize, List<Long> resolutions) {
    this.tileSize = tileSize;
    this.resolutions = Collections.unmodifiableList(resolutions);
  }

  /**
   * A tiling with fine tiles of {@code tileSize} and the given rollup sizes.
   *
   * @throws IllegalArgumentException unless each size is positive, larger than the previous one and
   *     a whole multiple of it
   */
  public static Tiling of(Duration tileSize, Duration... rollups) {
    List<Long> res = new ArrayList<>();
    long s = tileSize.toMillis();
    if (s <= 0) {
      throw new IllegalArgumentException("tile_size: " + tileSize + " (expected: >= 1ms)");
    }
    res.add(s);
    for (Duration r : rollups) {
      long prev = res.get(res.size() - 1);
      long m = r.toMillis();
      if (m <= prev || m % prev != 0) {
        throw new IllegalArgumentException(
            "rollup: "
                + Durations.format(r)
                + " (expected: larger than and a multiple of "
                + Durations.format(Duration.ofMillis(prev))
                + ")");
      }
      res.add(m);
    }
    return new Tiling(s, res);
  }

  /**
   * The team-wide tiling of a view: its tile size plus rollups of 1h and 1d where each is larger
   * than and a multiple of the previous resolution. It depends only on the tile size, so writer and
   * reader always agree, whatever windows later revisions add.
   */
  public static Tiling forView(FeatureView view) {
    return withDefaultRollups(view.tileSize());
  }

  /** {@link #forView} for a bare tile size. */
  public static Tiling withDefaultRollups(Duration tileSize) {
    List<Duration> rollups = new ArrayList<>();
    long prev = tileSize.toMillis();
    for (Duration r : List.of(Duration.ofHours(1), Duration.ofDays(1))) {
      if (r.toMillis() > prev && r.toMillis() % prev == 0) {
        rollups.add(r);
        prev = r.toMillis();
      }
    }
    return of(tileSize, rollups.toArray(Duration[]::new));
  }

  /** The fine tile size, millis. */
  public long tileSize() {
    return tileSize;
  }

  /** All resolutions, ascending; the first is {@link #tileSize()}. */
  public List<Long> resolutions() {
    return resolutions;
  }

  /** Start of the fine tile holding {@code t}: {@code floor(t / s) * s}. */
  public long tileStart(long t) {
    return Math.floorDiv(t, tileSize) * tileSize;
  }

  /** {@code a(t) = tileStart(t) + s - W}, the inclusive start of the window at t. */
  public long windowStart(long t, long window) {
    requireWindow(window);
    return tileStart(t) + tileSize - window;
  }

  /** The fine tile holding {@code t} (the head tile of a read at t). */
  public TileRef headTile(long t) {
    return new TileRef(tileSize, tileStart(t));
  }

  /**
   * {@code t} moved into {@code [MIN_READ_TIME, MAX_READ_TIME]}. A read at the clamped time answers
   * what a read at {@code t} would: no event is older than the one bound or newer than the other.
   * An {@code as_of} from a request can be any epoch millis, so readers clamp it before {@link
   * #cover}.
   */
  public static long clampReadTime(long t) {
    return Math.max(MIN_READ_TIME, Math.min(MAX_READ_TIME, t));
  }

  /**
   * The minimal set of tiles whose union is the fine tiles with start in {@code [a(t),
   * tileStart(t)]}, ascending by start; the last element is always the (fine) head tile.
   *
   * @throws IllegalArgumentException if {@code t} is outside {@code [MIN_READ_TIME, MAX_READ_TIME]}
   *     (see {@link #clampReadTime}) or the window is not a multiple of the tile size
   */
  public List<TileRef> cover(long t, long window) {
    if (t < MIN_READ_TIME || t > MAX_READ_TIME) {
      throw new IllegalArgumentException(
          "t: " + t + " ms (expected: within ±2^61 ms of 1970; clamp it with clampReadTime)");
    }
    long a = windowStart(t, window);
    long head = tileStart(t);
    List<TileRef> out = new ArrayList<>();
    long cur = a;
    while (cur < head) {
      int i = resolutions.size() - 1;
      // a(t) is on the fine grid, so the fine tile always fits: every pass advances cur
      while (Math.floorMod(cur, resolutions.get(i)) != 0 || resolutions.get(i) > head - cur) {
        i--;
      }
      long r = resolutions.get(i);
      out.add(new TileRef(r, cur));
      cur += r;
    }
    out.add(new TileRef(tileSize, head));
    return out;
  }

  /** The tiles, one per resolution (finest first), that an event at {@code eventTime} updates. */
  public List<TileRef> tilesOf(long eventTime) {
    List<TileRef> out = new ArrayList<>(resolutions.size());
    for (long r : resolutions) {
      out.add(new TileRef(r, Math.floorDiv(eventTime, r) * r));
    }
    return out;
  }

  private void requireWindow(long window) {
    if (window < tileSize || window % tileSize != 0) {
      throw new IllegalArgumentException(
          "window: "
              + Durations.format(Duration.ofMillis(window))
              + " (expected: a whole multiple of the tile size "
              + Durations.format(Duration.ofMillis(tileSize))
              + ")");
    }
  }

  @Override
  public String toString() {
    return "Tiling"
        + resolutions.stream().map(r -> Durations.format(Duration.ofMillis(r))).toList();
  }
}
