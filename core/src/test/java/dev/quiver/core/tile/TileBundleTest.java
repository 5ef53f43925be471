package dev.quiver.core.tile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TileBundleTest {

  @Test
  void findsEachSeriesStateAndNothingElse() {
    Random rnd = new Random(3);
    List<String> series = List.of("count(*)", "sum(amount)", "last_n(merchant,3)", "sum(amount2)");
    byte[][] names = TileBundle.names(series);
    byte[][] states = new byte[series.size()][];
    for (int i = 0; i < states.length; i++) {
      states[i] = new byte[rnd.nextInt(300)];
      rnd.nextBytes(states[i]);
    }
    states[2] = null; // no state in this tile: left out
    byte[] bundle = TileBundle.encode(names, states);
    for (int i = 0; i < states.length; i++) {
      assertThat(TileBundle.find(bundle, names[i])).as(series.get(i)).isEqualTo(states[i]);
    }
    assertThat(TileBundle.find(bundle, TileBundle.names(List.of("sum(amount"))[0])).isNull();
    assertThat(TileBundle.find(bundle, TileBundle.names(List.of("max(amount)"))[0])).isNull();
  }

  @Test
  void emptyBundleHasNoSeries() {
    byte[] bundle = TileBundle.encode(new byte[0][], new byte[0][]);
    assertThat(TileBundle.find(bundle, new byte[] {'a'})).isNull();
  }

  @Test
  void rejectsBytesThatAreNoBundle() {
    byte[] count = new CountAggregator(true).encode(new CountAggregator(true).empty());
    assertThatThrownBy(() -> TileBundle.find(count, new byte[] {'a'}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a tile bundle");
    byte[] bundle = TileBundle.encode(TileBundle.names(List.of("count(*)")), new byte[][] {count});
    byte[] truncated = java.util.Arrays.copyOf(bundle, bundle.length - 1);
    assertThatThrownBy(() -> TileBundle.find(truncated, new byte[] {'x'}))
        .hasMessageContaining("truncated");
  }

  @Test
  void readsFormatOneCellsWrittenBeforeFormatTwo() {
    Random rnd = new Random(7);
    List<String> series = List.of("count(*)", "sum(amount)", "last_n(merchant,3)");
    byte[][] names = TileBundle.names(series);
    byte[][] states = new byte[series.size()][];
    for (int i = 0; i < states.length; i++) {
      states[i] = new byte[1 + rnd.nextInt(400)];
      rnd.nextBytes(states[i]);
    }
    byte[] v1 = TileBundle.encodeNames(names, states);
    byte[] v2 = TileBundle.encode(names, states);
    assertThat(v1[1]).isEqualTo(TileBundle.FORMAT_NAMES);
    assertThat(v2[1]).isEqualTo(TileBundle.FORMAT_HASHES);
    for (int i = 0; i < states.length; i++) {
      assertThat(TileBundle.find(v1, names[i])).as(series.get(i)).isEqualTo(states[i]);
      assertThat(TileBundle.find(v2, names[i])).as(series.get(i)).isEqualTo(states[i]);
    }
    assertThat(TileBundle.find(v1, TileBundle.names(List.of("max(amount)"))[0])).isNull();
    // per series: names (8 + 11 + 18 bytes) + 2 + 4 in format 1, 8 + 1-2 (varint) in format 2
    assertThat(v2.length).isLessThan(v1.length);
  }

  @Test
  void rejectsTruncatedFormatTwoBundles() {
    byte[] state = new byte[200];
    byte[] bundle =
        TileBundle.encode(
            TileBundle.names(List.of("count(*)", "sum(x)")), new byte[][] {state, state});
    for (int cut : new int[] {5, 12, 13, 100, bundle.length - 1}) {
      byte[] truncated = java.util.Arrays.copyOf(bundle, cut);
      assertThatThrownBy(() -> TileBundle.find(truncated, new byte[] {'x'}))
          .as("cut at " + cut)
          .hasMessageContaining("truncated");
    }
  }
}
