package dev.quiver.core.registry;

import dev.quiver.core.config.QuiverConfig;
import java.util.Map;
import java.util.UUID;

/** The reference: the real registry on an in-memory embedded database. */
class DefaultFeatureRegistryNotFoundTest extends RegistryNotFoundContract {
  @Override
  protected FeatureRegistry emptyRegistry() {
    return FeatureRegistries.open(
        QuiverConfig.of(Map.of("registry.path", "mem:not-found-" + UUID.randomUUID())));
  }
}
