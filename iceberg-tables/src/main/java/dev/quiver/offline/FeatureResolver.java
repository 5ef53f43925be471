package dev.quiver.offline;

import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.registry.RegistryException;
import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.FeatureRef;
import dev.quiver.core.spec.FeatureService;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Resolves feature references ({@code view.feature}, {@code view:v3.feature}, {@code view.*})
 * against the registry into per-view selections, pinned versions included.
 */
public final class FeatureResolver {
  private FeatureResolver() {}

  public static List<FeatureSelection> resolve(
      FeatureRegistry registry, String namespace, List<String> refs) {
    return resolve(registry, namespace, refs, new ArrayList<>());
  }

  /**
   * Resolves as lookups do ({@link FeatureRegistry#viewForRead}: {@code latest} of a view whose
   * only version is DEPRECATED reads that version), adding the registry's reader warnings (e.g. "is
   * DEPRECATED, sunset ...") to {@code warnings}, once each.
   */
  public static List<FeatureSelection> resolve(
      FeatureRegistry registry, String namespace, List<String> refs, List<String> warnings) {
    Map<String, List<String>> byView = new LinkedHashMap<>();
    Map<String, FeatureView> views = new LinkedHashMap<>();
    for (String text : refs) {
      FeatureRef ref = FeatureRef.parse(text);
      if (ref.view() == null) {
        throw new IllegalArgumentException(
            "features: '"
                + text
                + "' (expected: view.feature, view:v3.feature or view.* — the view is needed)");
      }
      ViewRecord rec = registry.viewForRead(namespace, ref.view(), ref.version());
      rec.warnings().stream().filter(w -> !warnings.contains(w)).forEach(warnings::add);
      FeatureView view = rec.view();
      String key = view.name() + ":" + view.version();
      views.putIfAbsent(key, view);
      List<String> fs = byView.computeIfAbsent(key, k -> new ArrayList<>());
      if ("*".equals(ref.feature())) {
        view.features().forEach(f -> fs.add(f.name()));
      } else {
        fs.add(ref.feature());
      }
    }
    List<FeatureSelection> out = new ArrayList<>();
    byView.forEach(
        (key, fs) -> {
          FeatureView view = views.get(key);
          out.add(
              new FeatureSelection(
                  view, fs.stream().distinct().toList(), joinKeys(registry, view)));
        });
    return out;
  }

  /**
   * The feature references of a feature service, as {@link #resolve} takes them ({@code
   * view:v1.feature} stays pinned, {@code view.feature} follows the newest ACTIVE version).
   *
   * @throws RegistryException {@code NOT_FOUND} (field {@code feature_service}) naming the known
   *     services when the namespace has no such service
   */
  public static List<String> serviceFeatures(
      FeatureRegistry registry, String namespace, String service) {
    FeatureService svc =
        registry
            .getService(namespace, service)
            .orElseThrow(
                () ->
                    new RegistryException(
                        RegistryException.Kind.NOT_FOUND,
                        "feature_service: unknown feature service '"
                            + service
                            + "' in namespace "
                            + namespace
                            + " (known: "
                            + registry.listServices(namespace).stream()
                                .map(FeatureService::name)
                                .sorted()
                                .collect(Collectors.joining(", "))
                            + ")",
                        "feature_service"));
    return svc.features().stream().map(FeatureRef::toString).toList();
  }

  public static List<JoinKey> joinKeys(FeatureRegistry registry, FeatureView view) {
    return OfflineTables.joinKeys(
        view, e -> registry.getEntity(view.namespace(), e).map(Entity::joinKeys).orElse(null));
  }
}
