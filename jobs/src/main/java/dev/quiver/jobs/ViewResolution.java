package dev.quiver.jobs;

import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves what a job needs from the registry: the view version named on the command line and the
 * join keys of its entities (declared entities, or the implicit {@code <entity>_id STRING}).
 *
 * @param view the resolved view version
 * @param keys the join keys of its entities, in order
 */
public record ViewResolution(FeatureView view, List<JoinKey> keys) {

  /**
   * Resolves {@code ref} = {@code [namespace.]name[:version]} ({@code latest} when no version).
   *
   * @throws dev.quiver.core.registry.RegistryException NOT_FOUND naming the versions that exist
   */
  public static ViewResolution resolve(FeatureRegistry registry, String ref) {
    String name = ref;
    String version = "latest";
    int colon = ref.lastIndexOf(':');
    if (colon > 0) {
      name = ref.substring(0, colon);
      version = ref.substring(colon + 1);
    }
    String namespace = FeatureView.DEFAULT_NAMESPACE;
    int dot = name.indexOf('.');
    if (dot > 0) {
      namespace = name.substring(0, dot);
      name = name.substring(dot + 1);
    }
    FeatureView view = registry.getView(namespace, name, version).view();
    return new ViewResolution(view, keys(registry, view));
  }

  /** The join keys of a view's entities. */
  public static List<JoinKey> keys(FeatureRegistry registry, FeatureView view) {
    List<JoinKey> keys = new ArrayList<>();
    for (String e : view.entities()) {
      Entity entity =
          registry.getEntity(view.namespace(), e).orElse(Entity.implicit(view.namespace(), e));
      keys.addAll(entity.joinKeys());
    }
    return keys;
  }
}
