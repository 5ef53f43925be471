package dev.quiver.cli;

import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import dev.quiver.core.spec.FeatureView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits a bundle that holds several versions of one view (e.g. {@code examples/} with
 * user_activity_metrics v3 and its successor v4) into applies the registry accepts: the registry
 * takes one spec per view name per apply, so the first wave holds every entity and source plus the
 * lowest version of each view, each further wave the next version of the views that have one, and
 * the last wave the feature services (which may reference the newest versions).
 */
final class ApplyWaves {
  private ApplyWaves() {}

  static List<SpecBundle> split(SpecBundle bundle) {
    Map<String, List<FeatureView>> byName = new LinkedHashMap<>();
    for (FeatureView v : bundle.views()) {
      byName.computeIfAbsent(v.qualifiedName(), k -> new ArrayList<>()).add(v);
    }
    byName.values().forEach(l -> l.sort(Comparator.comparing(FeatureView::version)));
    int depth = byName.values().stream().mapToInt(List::size).max().orElse(1);
    List<SpecBundle> waves = new ArrayList<>();
    for (int i = 0; i < Math.max(depth, 1); i++) {
      int wave = i;
      List<FeatureView> views =
          byName.values().stream().filter(l -> l.size() > wave).map(l -> l.get(wave)).toList();
      boolean first = wave == 0;
      boolean last = wave == Math.max(depth, 1) - 1;
      waves.add(
          new SpecBundle(
              first ? bundle.entities() : List.of(),
              first ? bundle.sources() : List.of(),
              views,
              last ? bundle.services() : List.of()));
    }
    return waves;
  }
}
