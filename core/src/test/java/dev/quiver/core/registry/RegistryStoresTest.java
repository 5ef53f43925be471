package dev.quiver.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.store.EmbeddedRegistryStoreFactory;
import dev.quiver.core.registry.store.RegistryStores;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegistryStoresTest {

  @Test
  void factoriesAreFoundThroughServiceLoader() {
    assertThat(RegistryStores.factories()).containsOnlyKeys("embedded", "postgres");
    assertThat(RegistryStores.factory("POSTGRES").identifier()).isEqualTo("postgres");
  }

  @Test
  void unknownTypeListsTheAvailableOnes() {
    assertThatThrownBy(
            () -> FeatureRegistries.open(QuiverConfig.of(Map.of("registry.type", "mysql"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "registry.type: 'mysql' is not a registry store (available: embedded," + " postgres)");
  }

  @Test
  void postgresNeedsAUrl() {
    assertThatThrownBy(
            () -> FeatureRegistries.open(QuiverConfig.of(Map.of("registry.type", "postgres"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("registry.url: missing (expected: a PostgreSQL JDBC URL");
  }

  @Test
  void inMemoryEmbeddedStoreServesAUnitTest() {
    try (FeatureRegistry r =
        FeatureRegistries.open(QuiverConfig.of(Map.of("registry.path", "mem:stores-test")))) {
      r.apply(FeatureRegistry.SpecBundle.ofViews(RegistryFixtures.view(1)), "t", false);
      assertThat(r.getView("default", RegistryFixtures.VIEW, "v1").view())
          .isEqualTo(RegistryFixtures.view(1));
      assertThat(((DefaultFeatureRegistry) r).store().location()).isEqualTo("mem:stores-test");
      assertThat(((DefaultFeatureRegistry) r).store().identifier())
          .isEqualTo(EmbeddedRegistryStoreFactory.IDENTIFIER);
    }
  }
}
