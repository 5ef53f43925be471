package dev.quiver.core.tile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TilingTest {
  private static final long M = 60_000L;
  private final Tiling t5 = Tiling.withDefaultRollups(Duration.ofMinutes(5));

  @Test
  void windowRuleAtBothEdges() {
    // worked example of docs/online-store.md: s = 5m, W = 1h, t = 10:07:30 → [09:10:00, 10:07:30]
    long t = 10 * 60 * M + 7 * M + 30_000;
    long a = t5.windowStart(t, 60 * M);
    assertThat(a).isEqualTo(9 * 60 * M + 10 * M);
    // through the production path (a tested-only inWindow predicate stood in for it): the writer
    // puts an event in tilesOf(e), a read at t merges cover(t, W)
    assertThat(readCounts(a, t, 60 * M)).isTrue();
    assertThat(readCounts(a - 1, t, 60 * M)).isFalse();
    assertThat(readCounts(t, t, 60 * M)).isTrue();
    // the end at t is exact because the head tile is read as of t (its events so far; an as_of
    // read: its newest version <= t): an event at t + 1 shares t's tile
    assertThat(t5.tilesOf(t + 1).get(0)).isEqualTo(t5.headTile(t));
  }

  /** Whether a read at t of window w merges a tile that an event at e was written to. */
  private boolean readCounts(long e, long t, long w) {
    List<TileRef> written = t5.tilesOf(e);
    return t5.cover(t, w).stream().anyMatch(written::contains);
  }

  @Test
  void coverOfSevenDaysIsSmallAndExact() {
    long w = Duration.ofDays(7).toMillis();
    for (long t : new long[] {1_700_000_123_456L, 1_700_000_000_000L, 1_699_920_000_000L}) {
      List<TileRef> cover = t5.cover(t, w);
      assertThat(cover.size()).isLessThanOrEqualTo(11 + 23 + 7 + 23 + 11 + 1);
      // contiguous, starting at a(t), ending with the head tile
      long cur = t5.windowStart(t, w);
      for (TileRef r : cover) {
        assertThat(r.start()).isEqualTo(cur);
        cur = r.end();
      }
      assertThat(cover.get(cover.size() - 1)).isEqualTo(t5.headTile(t));
      assertThat(cur).isEqualTo(t5.tileStart(t) + 5 * M);
    }
  }

  @Test
  void coverAtTheEdgesOfTheReadRangeIsExactAndOutsideItRefused() {
    // Until session 9 a read near Long.MAX_VALUE overflowed "cur + r" and looped without end (an
    // as_of of 2^63 - 1 ms hung a server's event loop), and near Long.MIN_VALUE the window start
    // wrapped around.
    for (long w :
        new long[] {5 * M, Duration.ofDays(1).toMillis(), Duration.ofDays(30).toMillis()}) {
      for (long t :
          new long[] {
            Tiling.MAX_READ_TIME,
            Tiling.MAX_READ_TIME - 1,
            Tiling.MIN_READ_TIME,
            Tiling.MIN_READ_TIME + 1,
            -1,
            0
          }) {
        List<TileRef> cover = t5.cover(t, w);
        long cur = t5.windowStart(t, w);
        for (TileRef r : cover) {
          assertThat(r.start()).isEqualTo(cur);
          cur = r.end();
        }
        assertThat(cover.get(cover.size() - 1)).isEqualTo(t5.headTile(t));
      }
    }
    assertThat(Tiling.clampReadTime(Long.MAX_VALUE)).isEqualTo(Tiling.MAX_READ_TIME);
    assertThat(Tiling.clampReadTime(Long.MIN_VALUE)).isEqualTo(Tiling.MIN_READ_TIME);
    assertThat(Tiling.clampReadTime(1_700_000_000_000L)).isEqualTo(1_700_000_000_000L);
    assertThatThrownBy(() -> t5.cover(Long.MAX_VALUE, 7 * 1440 * M))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("clampReadTime");
    assertThatThrownBy(() -> t5.cover(Long.MIN_VALUE, 7 * 1440 * M))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void windowMustBeAMultipleOfTheTile() {
    assertThatThrownBy(() -> t5.windowStart(0, 7 * M))
        .hasMessage("window: 7m (expected: a whole multiple of the tile size 5m)");
  }

  @Test
  void rollupsMustNest() {
    assertThatThrownBy(() -> Tiling.of(Duration.ofMinutes(7), Duration.ofHours(1)))
        .hasMessage("rollup: 1h (expected: larger than and a multiple of 7m)");
    assertThat(Tiling.withDefaultRollups(Duration.ofMinutes(7)).resolutions())
        .containsExactly(7 * M);
    assertThat(t5.resolutions()).containsExactly(5 * M, 60 * M, 1440 * M);
  }

  @Test
  void eventUpdatesOneTilePerResolution() {
    long e = 1_700_000_123_456L;
    assertThat(t5.tilesOf(e))
        .extracting(TileRef::resolution)
        .containsExactly(5 * M, 60 * M, 1440 * M);
    assertThat(t5.tilesOf(e)).allMatch(r -> r.start() <= e && e < r.end());
  }
}
