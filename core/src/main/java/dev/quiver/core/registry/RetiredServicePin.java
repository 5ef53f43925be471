package dev.quiver.core.registry;

import dev.quiver.core.spec.FeatureRef;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Version;
import dev.quiver.core.spec.ViewStatus;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A feature service whose reference pins a RETIRED view version, said as the service's problem: the
 * registry's own error ("device_stats:v1 is RETIRED; move to device_stats:v2") named neither the
 * service nor its reference, so a lookup or an export by service name left the caller to guess
 * which service to fix, and how.
 */
public final class RetiredServicePin {
  private RetiredServicePin() {}

  /**
   * The error naming the service, its reference and the fix (re-pin it to the successor), when
   * {@code e} is a RETIRED error and one of {@code refs} pins a RETIRED version (read from the
   * registry's versions of the view, not from the error's text); else empty.
   */
  public static Optional<RegistryException> of(
      FeatureRegistry registry,
      String namespace,
      String service,
      List<FeatureRef> refs,
      RegistryException e) {
    if (e.kind() != RegistryException.Kind.GONE) {
      return Optional.empty();
    }
    for (FeatureRef ref : refs) {
      if (ref.view() == null || ref.version() == null || "latest".equals(ref.version())) {
        continue;
      }
      List<ViewRecord> versions;
      Version wanted;
      try {
        versions = registry.versions(namespace, ref.view());
        wanted = Version.parse(ref.version());
      } catch (RuntimeException unknown) {
        continue; // not this reference's error
      }
      boolean majorOnly = Version.isMajorOnly(ref.version());
      Optional<ViewRecord> pinned =
          versions.stream()
              .filter(
                  r ->
                      majorOnly
                          ? r.view().version().major() == wanted.major()
                          : r.view().version().equals(wanted))
              .max(Comparator.comparing(r -> r.view().version()));
      if (pinned.isEmpty() || pinned.get().view().status() != ViewStatus.RETIRED) {
        continue;
      }
      Optional<FeatureView> successor =
          versions.stream()
              .map(ViewRecord::view)
              .filter(v -> v.status() == ViewStatus.ACTIVE)
              .max(Comparator.comparing(FeatureView::version));
      String view = ref.view();
      String retired =
          view
              + ":"
              + pinned.get().view().version()
              + " is RETIRED"
              + successor.map(v -> "; move to " + view + ":" + v.version()).orElse("");
      String fix;
      if (successor.isEmpty()) {
        fix =
            "no version of "
                + view
                + " is ACTIVE to re-pin it to: remove it from the service's spec (or publish a"
                + " new version of "
                + view
                + ") and quiver apply it";
      } else if (successor.get().feature(ref.feature()).isPresent()) {
        fix =
            "re-pin it to "
                + new FeatureRef(view, successor.get().version().toString(), ref.feature())
                + " in the service's spec and quiver apply it";
      } else {
        fix =
            view
                + ":"
                + successor.get().version()
                + " has no feature '"
                + ref.feature()
                + "' (features: "
                + successor.get().features().stream()
                    .map(f -> f.name())
                    .collect(Collectors.joining(", "))
                + "): re-pin it to one of them, or remove it, in the service's spec and"
                + " quiver apply it";
      }
      return Optional.of(
          new RegistryException(
              RegistryException.Kind.GONE,
              "feature service '" + service + "' pins " + ref + ", and " + retired + "; " + fix,
              "feature_service"));
    }
    return Optional.empty();
  }
}
