package dev.quiver.core.registry;

import dev.quiver.core.registry.RegistryException.Kind;
import dev.quiver.core.registry.store.VersionInfo;
import dev.quiver.core.spec.Version;
import dev.quiver.core.spec.ViewStatus;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Resolves version references against the versions of one view (oldest first):
 *
 * <ul>
 *   <li>null, empty or {@code latest}: the newest ACTIVE version (NOT_FOUND when there is none);
 *   <li>{@code v3}: the newest revision of major 3 (GONE when RETIRED);
 *   <li>{@code v3.1}: exactly that revision (GONE when RETIRED).
 * </ul>
 *
 * Every NOT_FOUND message lists the versions that exist, with their status.
 */
final class VersionResolver {
  private VersionResolver() {}

  static boolean isLatest(String ref) {
    return ref == null || ref.isBlank() || ref.trim().equalsIgnoreCase("latest");
  }

  static Version parse(String view, String ref) {
    try {
      return Version.parse(ref);
    } catch (IllegalArgumentException e) {
      throw new RegistryException(
          Kind.INVALID,
          "version: '"
              + ref
              + "' of "
              + view
              + " (expected: latest, v<major> or v<major>.<rev>,"
              + " e.g. v3 or v3.1)",
          "version");
    }
  }

  static VersionInfo resolve(String view, List<VersionInfo> versions, String ref) {
    if (isLatest(ref)) {
      return newestActive(versions)
          .orElseThrow(
              () ->
                  new RegistryException(
                      Kind.NOT_FOUND,
                      view
                          + " has no ACTIVE version, so 'latest' resolves to nothing (versions: "
                          + describe(versions)
                          + "); pin one, e.g. "
                          + view
                          + ":"
                          + versions.get(versions.size() - 1).version(),
                      "version"));
    }
    Version wanted = parse(view, ref);
    VersionInfo found;
    if (Version.isMajorOnly(ref)) {
      found =
          versions.stream()
              .filter(v -> v.version().major() == wanted.major())
              .max(Comparator.comparing(VersionInfo::version))
              .orElse(null);
    } else {
      found = versions.stream().filter(v -> v.version().equals(wanted)).findFirst().orElse(null);
    }
    if (found == null) {
      throw new RegistryException(
          Kind.NOT_FOUND,
          view + ":" + ref.trim() + " does not exist (versions: " + describe(versions) + ")",
          "version");
    }
    if (found.status() == ViewStatus.RETIRED) {
      String successor =
          newestActive(versions).map(v -> "; move to " + view + ":" + v.version()).orElse("");
      throw new RegistryException(
          Kind.GONE, view + ":" + found.version() + " is RETIRED" + successor, "version");
    }
    return found;
  }

  static Optional<VersionInfo> newestActive(List<VersionInfo> versions) {
    return versions.stream()
        .filter(v -> v.status() == ViewStatus.ACTIVE)
        .max(Comparator.comparing(VersionInfo::version));
  }

  static Optional<VersionInfo> newest(List<VersionInfo> versions) {
    return versions.stream().max(Comparator.comparing(VersionInfo::version));
  }

  /** "v1 RETIRED, v2 ACTIVE, v2.1 ACTIVE". */
  static String describe(List<VersionInfo> versions) {
    if (versions.isEmpty()) {
      return "none";
    }
    return versions.stream()
        .map(v -> v.version() + " " + v.status())
        .collect(Collectors.joining(", "));
  }

  /** Reader warnings for a resolved version: deprecation with sunset and successor, or DRAFT. */
  static List<String> warnings(String view, VersionInfo v, List<VersionInfo> versions) {
    String label = view + ":v" + v.version().major();
    if (v.status() == ViewStatus.DEPRECATED) {
      StringBuilder w = new StringBuilder(label).append(" is DEPRECATED");
      if (v.sunsetAt() != null) {
        w.append(", sunset ").append(v.sunsetAt().atOffset(ZoneOffset.UTC).toLocalDate());
      }
      Optional<VersionInfo> successor =
          versions.stream()
              .filter(x -> x.status() == ViewStatus.ACTIVE)
              .filter(x -> x.version().major() > v.version().major())
              .max(Comparator.comparing(VersionInfo::version));
      w.append(
          successor
              .map(s -> "; move to v" + s.version().major())
              .orElse("; no ACTIVE successor yet"));
      return List.of(w.toString());
    }
    if (v.status() == ViewStatus.DRAFT) {
      return List.of(label + " is DRAFT: it may still change and 'latest' does not resolve to it");
    }
    return List.of();
  }
}
