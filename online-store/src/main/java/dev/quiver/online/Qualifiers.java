package dev.quiver.online;

import dev.quiver.core.spec.Durations;
import dev.quiver.core.tile.TileRef;
import java.time.Duration;

/**
 * Column qualifiers of the online layout. A row feature's qualifier is its name ({@code
 * amount_last}); a tile's is {@code tiles@<resolution>@<start millis>}, e.g. {@code
 * tiles@5m@1732665600000}, and its value is a {@code TileBundle} holding the partial state of every
 * tile series of the view in that tile. Feature names are identifiers (no {@code @}), so the two
 * never collide.
 */
public final class Qualifiers {
  private Qualifiers() {}

  /** The qualifier of a row feature. */
  public static String row(String featureName) {
    return featureName;
  }

  /** The qualifier of one tile (all series of the view, in one bundle). */
  public static String tile(TileRef tile) {
    return tilePrefix(tile.resolution()) + tile.start();
  }

  /**
   * {@code tiles@<resolution>@}: what the qualifiers of the tiles of one resolution start with
   * (writers cache it and append the tile start).
   */
  public static String tilePrefix(long resolutionMillis) {
    return "tiles@" + Durations.format(Duration.ofMillis(resolutionMillis)) + "@";
  }
}
