package dev.quiver.core.tile;

/**
 * One tile: the half-open interval {@code [start, start + resolution)} of event time, in epoch
 * millis, at one resolution (the view's tile size, or a rollup size that is a multiple of it).
 */
public record TileRef(long resolution, long start) {
  public TileRef {
    if (resolution <= 0) {
      throw new IllegalArgumentException("resolution: " + resolution + " (expected: > 0)");
    }
    if (Math.floorMod(start, resolution) != 0) {
      throw new IllegalArgumentException(
          "start: " + start + " (expected: a multiple of the resolution " + resolution + ")");
    }
  }

  /** Exclusive end. */
  public long end() {
    return start + resolution;
  }
}
