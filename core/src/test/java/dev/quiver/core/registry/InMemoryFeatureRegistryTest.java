package dev.quiver.core.registry;

import dev.quiver.core.registry.testing.InMemoryFeatureRegistry;

/** The unit-test fake answers missing things as the real registry does. */
class InMemoryFeatureRegistryTest extends RegistryNotFoundContract {
  @Override
  protected FeatureRegistry emptyRegistry() {
    return new InMemoryFeatureRegistry();
  }
}
