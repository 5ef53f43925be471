package dev.quiver.online;

import dev.quiver.core.spec.Durations;
import dev.quiver.core.tile.TileRef;
import java.time.Duration;

/**
 * Column qualifiers of the online layout. A row feature's qualifier is its name ({@code
 * amount_last}); a tile's is {@code <series>@<resolution>@<start millis>}, e.g. {@code
 * sum(amount)@5m@1732665600000}, where the series is {@code TileAggregators.seriesName}. Feature
 * names are identifiers, so the two never collide.
 */
public final class Qualifiers {
  private Qualifiers() {}

  /** The qualifier of a row feature. */
  public static String row(String featureName) {
    return featureName;
  }

  /** The qualifier of one tile of a series. */
  public static String tile(String series, TileRef tile) {
    return tilePrefix(series, tile.resolution()) + tile.start();
  }

  /**
   * {@code <series>@<resolution>@}: what the qualifiers of a series' tiles of one resolution start
   * with (writers cache it and append the tile start).
   */
  public static String tilePrefix(String series, long resolutionMillis) {
    return series + "@" + Durations.format(Duration.ofMillis(resolutionMillis)) + "@";
  }
}
