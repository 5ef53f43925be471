package dev.quiver.core.registry;

import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.FeatureService;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.ViewStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The feature registry as its consumers see it (catalog, serving, jobs, CLI). Thread-safe. Every
 * write is validated, versioned and audited; reads never see a half-applied change.
 *
 * <p>Version references: {@code "latest"} (or null) = newest ACTIVE version; {@code "v3"} = newest
 * revision of major 3 whatever its status except RETIRED; {@code "v3.1"} = exactly that revision.
 */
public interface FeatureRegistry extends AutoCloseable {

  /**
   * Applies specs (entities, sources, views, services) in one go and returns what changed. A view
   * whose spec is unchanged is a no-op; a compatible change becomes a new revision; a breaking
   * change under the same major is refused with {@link RegistryException.Kind#BREAKING_CHANGE},
   * naming the change and the fix (bump the major). With {@code dryRun} nothing is written.
   *
   * @param actor who is applying, for the audit log
   */
  ApplyResult apply(SpecBundle bundle, String actor, boolean dryRun);

  /**
   * {@link #apply(SpecBundle, String, boolean)} guarded by preconditions, for If-Match style
   * updates: each named view's newest version must still be the one the caller saw, otherwise
   * nothing is written and {@link RegistryException.Kind#CONFLICT} is thrown. The check and the
   * write are atomic.
   */
  default ApplyResult apply(
      SpecBundle bundle, String actor, boolean dryRun, List<Precondition> preconditions) {
    if (!preconditions.isEmpty()) {
      throw new UnsupportedOperationException(
          getClass().getSimpleName() + " does not support apply preconditions");
    }
    return apply(bundle, actor, dryRun);
  }

  /**
   * The newest version of a view of any status (what an If-Match precondition compares with), or
   * empty when the view does not exist.
   */
  default Optional<String> headVersion(String namespace, String name) {
    List<ViewRecord> all = versions(namespace, name);
    return all.isEmpty()
        ? Optional.empty()
        : Optional.of(all.get(all.size() - 1).version().toString());
  }

  /**
   * Resolves a view version.
   *
   * @throws RegistryException NOT_FOUND when the view or version does not exist (message lists the
   *     versions that do)
   */
  ViewRecord getView(String namespace, String name, String versionRef);

  Optional<ViewRecord> findView(String namespace, String name, String versionRef);

  /**
   * The version a read of a view answers from, by the one rule of lookups, exports and backfills:
   * {@link #getView}, except that an unpinned reference ({@code latest} or none) to a view without
   * an ACTIVE version (e.g. its only version DEPRECATED) answers from its newest non-retired
   * version ({@link #unpinnedFallback}), whose {@link ViewRecord#warnings} say so.
   *
   * @throws RegistryException as {@link #getView} when there is nothing to read
   */
  default ViewRecord viewForRead(String namespace, String name, String versionRef) {
    Optional<ViewRecord> found = findView(namespace, name, versionRef);
    if (found.isEmpty()) {
      found =
          unpinnedFallback(
              versionRef,
              name,
              listViews(new ViewQuery(namespace, null, null, null, null, 100_000)));
    }
    return found.orElseGet(() -> getView(namespace, name, versionRef));
  }

  /**
   * For an unpinned reference ({@code latest} or none) that resolved to nothing: the view's record
   * among {@code listed} ({@link #listViews}: its newest non-retired version); empty for a pinned
   * reference, which never moves.
   */
  static Optional<ViewRecord> unpinnedFallback(
      String versionRef, String name, List<ViewRecord> listed) {
    if (!VersionResolver.isLatest(versionRef)) {
      return Optional.empty();
    }
    return listed.stream().filter(r -> r.view().name().equals(name)).findFirst();
  }

  /** One record per view name: its newest version of any status except RETIRED. */
  List<ViewRecord> listViews(ViewQuery query);

  /**
   * Every version of one view, oldest first; never empty.
   *
   * @throws RegistryException NOT_FOUND (field {@code name}, with a "did you mean") for a view the
   *     registry does not have
   */
  List<ViewRecord> versions(String namespace, String name);

  /**
   * Moves a version through the lifecycle (ACTIVE → DEPRECATED → RETIRED).
   *
   * @param sunset for DEPRECATED, when it will retire; may be null
   */
  ViewRecord setStatus(
      String namespace,
      String name,
      String version,
      ViewStatus status,
      Instant sunset,
      String actor);

  Optional<Entity> getEntity(String namespace, String name);

  List<Entity> listEntities(String namespace);

  Optional<Source> getSource(String namespace, String name);

  Optional<FeatureService> getService(String namespace, String name);

  List<FeatureService> listServices(String namespace);

  List<String> listNamespaces();

  /**
   * Upstream sources and downstream consumers (feature services) of a view.
   *
   * @throws RegistryException NOT_FOUND for a view the registry does not have, as {@link #versions}
   */
  Lineage lineage(String namespace, String name);

  /** Audit entries, newest first. Null filters match all. */
  List<AuditEntry> audit(String namespace, String name, int limit);

  /**
   * Appends an entry to the audit log (for actions that happen outside the registry, such as a
   * backfill; {@code detail} carries its id). Implementations that keep an audit log override this;
   * the default refuses.
   *
   * @throws UnsupportedOperationException when this registry keeps no audit log
   */
  default void recordAudit(AuditEntry entry) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " does not record external audit entries");
  }

  /** Convenience: every view record (latest per name) whose entities are exactly {@code entity}. */
  default List<ViewRecord> viewsForEntity(String namespace, String entity) {
    return listViews(new ViewQuery(namespace, null, null, null, null, 100_000)).stream()
        .filter(r -> r.view().entities().equals(List.of(entity)))
        .toList();
  }

  @Override
  void close();

  /** Specs to apply together. */
  record SpecBundle(
      List<Entity> entities,
      List<Source> sources,
      List<FeatureView> views,
      List<FeatureService> services) {
    public SpecBundle {
      entities = List.copyOf(entities);
      sources = List.copyOf(sources);
      views = List.copyOf(views);
      services = List.copyOf(services);
    }

    public static SpecBundle ofViews(FeatureView... views) {
      return new SpecBundle(List.of(), List.of(), List.of(views), List.of());
    }
  }

  /**
   * An apply precondition: the newest version of view {@code namespace.name} must be {@code
   * expectedVersion} (e.g. {@code v3.2}); null means the view must not exist yet.
   */
  record Precondition(String namespace, String name, String expectedVersion) {
    public Precondition {
      java.util.Objects.requireNonNull(namespace, "namespace");
      java.util.Objects.requireNonNull(name, "name");
    }
  }

  /** Upstream and downstream of a view. */
  record Lineage(List<String> upstreamSources, List<String> downstreamConsumers) {}
}
