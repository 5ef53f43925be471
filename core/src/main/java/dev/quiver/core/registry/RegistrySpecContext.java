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

  /**
   * The registry's own resolution ({@link FeatureRegistry#getView}): the view, or its reason (an
   * unknown view with its "did you mean", an unknown version with the versions there are, a RETIRED
   * version with its successor). Any other failure (the registry unreachable) is left to the apply.
   */
  @Override
  public Optional<SpecParser.ServiceTarget> serviceTarget(
      String namespace, String name, String versionRef) {
    try {
      return Optional.of(
          SpecParser.ServiceTarget.of(registry.getView(namespace, name, versionRef).view()));
    } catch (RegistryException e) {
      if (e.kind() != RegistryException.Kind.NOT_FOUND && e.kind() != RegistryException.Kind.GONE) {
        return Optional.empty();
      }
      return Optional.of(
          SpecParser.ServiceTarget.unreadable(e.getMessage(), "name".equals(e.field())));
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // a malformed version: the file's own rules report it
    }
  }
}
