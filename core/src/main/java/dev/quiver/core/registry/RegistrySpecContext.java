package dev.quiver.core.registry;

import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SpecParser;
import java.util.List;
import java.util.Optional;

/**
 * Lets spec files (the CLI's apply, the REST API's request bodies) reference the entities, sources
 * and views that the registry already holds; a referenced view resolves to its latest version.
 */
public record RegistrySpecContext(FeatureRegistry registry) implements SpecParser.Context {
  @Override
  public Optional<Entity> entity(String namespace, String name) {
    return registry.getEntity(namespace, name);
  }

  @Override
  public List<String> entityNames(String namespace) {
    return registry.listEntities(namespace).stream().map(Entity::name).toList();
  }

  @Override
  public Optional<Source> source(String namespace, String name) {
    return registry.getSource(namespace, name);
  }

  /**
   * The sources the namespace's views read (the registry lists no sources by themselves): where a
   * typo'd source name is most likely one of them ({@code my_clickz}: {@code my_clicks}).
   */
  @Override
  public List<String> sourceNames(String namespace) {
    return registry.listViews(new ViewQuery(namespace, null, null, null, null, 100_000)).stream()
        .map(r -> r.view().source())
        .filter(s -> s != null && s.namespace().equals(namespace))
        .map(Source::name)
        .distinct()
        .sorted()
        .toList();
  }

  @Override
  public Optional<FeatureView> view(String namespace, String name) {
    return registry.findView(namespace, name, "latest").map(ViewRecord::view);
  }
}
