package dev.quiver.core.registry;

import java.time.Instant;
import java.time.ZoneOffset;

/**
 * The sunset date of a deprecation ({@code quiver deprecate --sunset}, {@code POST
 * .../versions/{v}:deprecate?sunset=}): when the version is planned to retire, so it must lie
 * ahead. A past one told readers a retirement that never happened ("sunset 2020-01-01") and could
 * not be acted on.
 */
public final class Sunsets {
  private Sunsets() {}

  /**
   * @param field the caller's name of the field ({@code sunset}, {@code --sunset})
   * @return {@code sunset}, when null or after {@code now}
   * @throws RegistryException INVALID naming {@code field} when the sunset is not after now
   */
  public static Instant requireFuture(String field, Instant sunset, Instant now) {
    if (sunset == null || sunset.isAfter(now)) {
      return sunset;
    }
    throw new RegistryException(
        RegistryException.Kind.INVALID,
        field
            + ": "
            + sunset
            + " is not in the future (now "
            + now
            + "; expected: the date the version will retire, e.g. "
            + now.atOffset(ZoneOffset.UTC).toLocalDate().plusMonths(3)
            + ", or no sunset; to retire it now, retire it)",
        "sunset");
  }
}
