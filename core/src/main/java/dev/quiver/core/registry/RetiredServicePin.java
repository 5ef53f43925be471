package dev.quiver.core.registry;

import dev.quiver.core.spec.FeatureRef;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A feature service whose reference pins a RETIRED view version, said as the service's problem: the
 * registry's own error ("device_stats:v1 is RETIRED; move to device_stats:v2") named neither the
 * service nor its reference, so a lookup or an export by service name left the caller to guess
 * which service to fix, and how.
 */
public final class RetiredServicePin {
  private static final Pattern SUCCESSOR = Pattern.compile("; move to (\\S+?):(\\S+)$");

  private RetiredServicePin() {}

  /**
   * The error naming the service, its reference and the fix (re-pin it to the successor), when
   * {@code e} is the registry's RETIRED error for one of {@code refs}; else empty.
   */
  public static Optional<RegistryException> of(
      FeatureRegistry registry,
      String namespace,
      String service,
      List<FeatureRef> refs,
      RegistryException e) {
    if (e.kind() != RegistryException.Kind.GONE || e.getMessage() == null) {
      return Optional.empty();
    }
    String message = e.getMessage();
    for (FeatureRef ref : refs) {
      if (ref.view() == null
          || ref.version() == null
          || !Pattern.compile("(^|[\\s'])" + Pattern.quote(ref.view()) + ":\\S+ is RETIRED")
              .matcher(message)
              .find()) {
        continue;
      }
      Matcher m = SUCCESSOR.matcher(message);
      boolean successor = m.find() && m.group(1).equals(ref.view());
      List<String> features = successor ? features(registry, namespace, ref, m.group(2)) : null;
      String fix =
          successor && (features == null || features.contains(ref.feature()))
              ? "re-pin it to "
                  + new FeatureRef(ref.view(), m.group(2), ref.feature())
                  + " in the service's spec and quiver apply it"
              : successor
                  ? ref.view()
                      + ":"
                      + m.group(2)
                      + " has no feature '"
                      + ref.feature()
                      + "' (features: "
                      + String.join(", ", features)
                      + "): re-pin it to one of them, or remove it, in the service's spec and"
                      + " quiver apply it"
                  : "no version of "
                      + ref.view()
                      + " is ACTIVE to re-pin it to: remove it from the service's spec (or publish a"
                      + " new version of "
                      + ref.view()
                      + ") and quiver apply it";
      return Optional.of(
          new RegistryException(
              RegistryException.Kind.GONE,
              "feature service '" + service + "' pins " + ref + ", and " + message + "; " + fix,
              "feature_service"));
    }
    return Optional.empty();
  }

  /** The successor's feature names, or null when the registry does not say. */
  private static List<String> features(
      FeatureRegistry registry, String namespace, FeatureRef ref, String version) {
    try {
      return registry
          .findView(namespace, ref.view(), version)
          .map(r -> r.view().features().stream().map(f -> f.name()).toList())
          .orElse(null);
    } catch (RuntimeException unknown) {
      return null;
    }
  }
}
