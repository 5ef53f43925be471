package dev.quiver.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import dev.quiver.core.spec.FeatureView;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Set-up of the registry contract suite: every test gets a fresh, empty database from the backend
 * under test. Backends: {@code EmbeddedRegistryITCase} (H2 file) and {@code PostgresRegistryITCase}
 * (a real PostgreSQL server).
 */
abstract class RegistryContractSupport {
  protected QuiverConfig config;
  protected FeatureRegistry registry;
  private final List<FeatureRegistry> opened = new ArrayList<>();

  /** Configuration of a new, empty database on the backend under test. */
  protected abstract QuiverConfig freshDatabase() throws Exception;

  @BeforeEach
  void openRegistry() throws Exception {
    config = freshDatabase();
    registry = open();
  }

  @AfterEach
  void closeRegistries() {
    opened.forEach(FeatureRegistry::close);
    opened.clear();
  }

  /** Another registry instance (own connection pool) on the same database. */
  protected FeatureRegistry open() {
    FeatureRegistry r = FeatureRegistries.open(config);
    opened.add(r);
    return r;
  }

  protected ApplyResult apply(FeatureView... views) {
    return registry.apply(SpecBundle.ofViews(views), "tester", false);
  }

  protected ApplyResult.ChangePlan applyOne(FeatureView view) {
    ApplyResult r = apply(view);
    return r.changes().stream()
        .filter(c -> c.kind().equals("feature_view"))
        .findFirst()
        .orElseThrow();
  }

  protected static RegistryException registryError(
      RegistryException.Kind kind, ThrowingCallable call) {
    RegistryException e = catchThrowableOfType(RegistryException.class, call);
    assertThat(e).as("expected a RegistryException " + kind).isNotNull();
    assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind);
    return e;
  }
}
