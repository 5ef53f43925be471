package dev.quiver.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.quiver.core.registry.RegistryException.Kind;
import dev.quiver.core.spec.SpecParser;
import dev.quiver.core.spec.ViewStatus;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link FeatureRegistry} answers for what it does not have: a missing view (or version)
 * is NOT_FOUND on the calls that name one view ({@code getView}, {@code versions}, {@code lineage},
 * {@code setStatus}) and empty on {@code find}/{@code get} of an entity, source or service; a
 * missing namespace lists nothing. The HTTP routes turn NOT_FOUND into a 404, so a fake that
 * answered an empty list instead (the in-memory registry's {@code versions} did) gave unit tests a
 * 200 with {@code []} where the server answers 404. Run against the real registry (on the embedded
 * database, {@code DefaultFeatureRegistryNotFoundTest}, and on PostgreSQL, {@code
 * PostgresRegistryNotFoundITCase}) and the unit-test fake ({@code InMemoryFeatureRegistryTest}).
 */
abstract class RegistryNotFoundContract {
  static final String NS = "ml";

  protected FeatureRegistry registry;

  /** A new, empty registry of the kind under test. */
  protected abstract FeatureRegistry emptyRegistry();

  @BeforeEach
  void seed() {
    registry = emptyRegistry();
    registry.apply(
        SpecParser.parse(
                """
                kind: entity
                namespace: ml
                name: user
                join_keys: [{name: user_id, type: STRING}]
                ---
                kind: kafka
                namespace: ml
                name: clicks
                schema: {user_id: STRING, page: STRING, event_time: TIMESTAMP}
                event_time_field: event_time
                options: {topic: clicks, format: json}
                ---
                namespace: ml
                name: user_clicks
                version: v1
                entities: [user]
                source: clicks
                ttl: 1d
                features:
                  - {name: clicks_1h, aggregation: {column: '*', function: count, window: 1h}}
                ---
                kind: feature_service
                namespace: ml
                name: ranking
                features: [user_clicks:v1.clicks_1h]
                """,
                "specs.yaml")
            .bundle(),
        "tester",
        false);
  }

  @AfterEach
  void close() {
    registry.close();
  }

  @Test
  void aMissingViewIsNotFoundOnEveryCallThatNamesIt() {
    for (ThrowingCallable call :
        new ThrowingCallable[] {
          () -> registry.getView(NS, "user_click", null),
          () -> registry.getView(NS, "user_click", "v1"),
          () -> registry.versions(NS, "user_click"),
          () -> registry.lineage(NS, "user_click"),
          () -> registry.viewForRead(NS, "user_click", null),
          () -> registry.setStatus(NS, "user_click", "v1", ViewStatus.DEPRECATED, null, "t")
        }) {
      RegistryException e = notFound(call);
      assertThat(e.field()).isEqualTo("name");
      assertThat(e.getMessage())
          .contains("unknown feature view 'ml.user_click'")
          .contains("did you mean user_clicks?");
    }
    assertThat(registry.findView(NS, "user_click", null)).isEmpty();
  }

  /**
   * A shortened view name is suggested too, by the registry on the database as by the fake: the
   * registry's own copy of "did you mean" counted edits only and answered 'ml.user_cl' with no
   * hint.
   */
  @Test
  void aShortenedViewNameIsSuggested() {
    assertThat(notFound(() -> registry.getView(NS, "user_cl", null)).getMessage())
        .isEqualTo("unknown feature view 'ml.user_cl'; did you mean user_clicks?");
  }

  @Test
  void aMissingVersionIsNotFoundAndListsTheVersions() {
    RegistryException e = notFound(() -> registry.getView(NS, "user_clicks", "v7"));
    assertThat(e.field()).isEqualTo("version");
    assertThat(e.getMessage()).isEqualTo("user_clicks:v7 does not exist (versions: v1 ACTIVE)");
    notFound(() -> registry.setStatus(NS, "user_clicks", "v7", ViewStatus.DEPRECATED, null, "t"));
    assertThat(registry.findView(NS, "user_clicks", "v7")).isEmpty();
    assertThat(registry.versions(NS, "user_clicks")).hasSize(1);
  }

  @Test
  void aMissingNamespaceIsNotFoundForAViewAndEmptyForLists() {
    RegistryException e = notFound(() -> registry.versions("nope", "user_clicks"));
    assertThat(e.getMessage()).contains("namespace 'nope' does not exist; namespaces: [ml]");
    notFound(() -> registry.getView("nope", "user_clicks", null));
    notFound(() -> registry.lineage("nope", "user_clicks"));
    assertThat(registry.listViews(new ViewQuery("nope", null, null, null, null, 100))).isEmpty();
    assertThat(registry.listEntities("nope")).isEmpty();
    assertThat(registry.listServices("nope")).isEmpty();
    assertThat(registry.viewsForEntity("nope", "user")).isEmpty();
    assertThat(registry.listNamespaces()).containsExactly("ml");
  }

  @Test
  void aMissingEntitySourceOrServiceIsEmpty() {
    assertThat(registry.getEntity(NS, "merchant")).isEmpty();
    assertThat(registry.getSource(NS, "orders")).isEmpty();
    assertThat(registry.getService(NS, "fraud")).isEmpty();
    assertThat(registry.getEntity("nope", "user")).isEmpty();
    assertThat(registry.getEntity(NS, "user")).isPresent();
    assertThat(registry.getSource(NS, "clicks")).isPresent();
    assertThat(registry.getService(NS, "ranking")).isPresent();
    assertThat(registry.viewsForEntity(NS, "merchant")).isEmpty();
  }

  @Test
  void anEmptyRegistryHasNoNamespaces() {
    try (FeatureRegistry empty = emptyRegistry()) {
      assertThat(empty.listNamespaces()).isEmpty();
      assertThat(empty.listViews(new ViewQuery(null, null, null, null, null, 100))).isEmpty();
      RegistryException e = notFound(() -> empty.versions(NS, "user_clicks"));
      assertThat(e.getMessage()).contains("namespace 'ml' does not exist; namespaces: []");
    }
  }

  private static RegistryException notFound(ThrowingCallable call) {
    RegistryException e = catchThrowableOfType(RegistryException.class, call);
    assertThat(e).as("expected a RegistryException NOT_FOUND").isNotNull();
    assertThat(e.kind()).as(e.getMessage()).isEqualTo(Kind.NOT_FOUND);
    return e;
  }
}
