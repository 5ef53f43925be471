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
}
