package dev.quiver.core.registry.store;

import dev.quiver.core.registry.AuditEntry;
import dev.quiver.core.registry.ViewQuery;
import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.FeatureService;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.ViewStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The operations of one registry transaction (see {@link RegistryStore#transact}). Arguments are
 * never null unless stated; lists returned are immutable and never null. Writes in {@link
 * RegistryStore.Mode#READ} mode fail.
 */
public interface RegistryTransaction {

  // ---- view heads (optimistic locking) ----

  /** The head sequence of a view name, or -1 when the view has never been written. */
  long headSeq(String namespace, String name);

  /**
   * Compare-and-set on the head: sets the sequence to {@code expectedSeq + 1} if it is still {@code
   * expectedSeq} (or creates it with 1 when {@code expectedSeq} is -1).
   *
   * @return false when another writer moved the head first (the caller retries)
   */
  boolean advanceHead(String namespace, String name, long expectedSeq, Instant at);

  // ---- feature views ----

  /** Every version of a view without specs, oldest first; empty when the view does not exist. */
  List<VersionInfo> versionInfos(String namespace, String name);

  /** One version by id, or empty. */
  Optional<ViewRecord> view(String id);

  /** Every version of a view with specs, oldest first. Status and sunset are the stored ones. */
  List<ViewRecord> versions(String namespace, String name);

  /**
   * Per view name, the newest version among those of {@code query.status()} (or of any status but
   * RETIRED when null), then filtered by owner, tag and text; ordered by namespace and name.
   */
  List<ViewRecord> list(ViewQuery query);

  /** Names of the views in a namespace (any status), for "did you mean". */
  List<String> viewNames(String namespace);

  /**
   * Inserts a new version with its features, tags, transformations and lineage rows. The namespace
   * must exist ({@link #ensureNamespace}).
   *
   * @throws StoreConflictException when that (namespace, name, major, revision) exists
   */
  void insertView(ViewRecord record);

  /**
   * Sets the status (and sunset, null to clear) of every revision of one major.
   *
   * @return the number of revisions changed
   */
  int updateStatus(String namespace, String name, int major, ViewStatus status, Instant sunset);

  /** Upstream source names recorded for a version, in spec order. */
  List<String> upstream(String viewId);

  /** Feature services ({@code namespace.name}) that reference a view, sorted. */
  List<String> consumers(String namespace, String viewName);

  // ---- namespaces, entities, sources, services ----

  List<String> namespaces();

  /** Creates the namespace if missing. Idempotent. */
  void ensureNamespace(String namespace, Instant at);

  Optional<Entity> entity(String namespace, String name);

  /** Entities of a namespace, or of all namespaces when {@code namespace} is null. */
  List<Entity> entities(String namespace);

  /** Inserts or replaces an entity. */
  void putEntity(Entity entity, String actor, Instant at);

  Optional<Source> source(String namespace, String name);

  /** Inserts or replaces a source. */
  void putSource(Source source, String actor, Instant at);

  Optional<FeatureService> service(String namespace, String name);

  /** Services of a namespace, or of all namespaces when {@code namespace} is null. */
  List<FeatureService> services(String namespace);

  /**
   * Inserts or replaces a feature service and its references. Each reference must name its view
   * (the caller resolves bare feature names first).
   */
  void putService(FeatureService service, String actor, Instant at);

  // ---- audit ----

  void appendAudit(AuditEntry entry);

  /** Newest first; null namespace/name match all. */
  List<AuditEntry> audit(String namespace, String name, int limit);
}
