package dev.quiver.offline;

import dev.quiver.core.registry.ApplyResult;
import dev.quiver.core.registry.AuditEntry;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.registry.RegistryException;
import dev.quiver.core.registry.ViewQuery;
import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.FeatureService;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.ViewStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The smallest registry the offline service needs (views by name, audit log), for the service test
 * until the JDBC registry store is merged; everything else refuses.
 */
final class InMemoryRegistry implements FeatureRegistry {
  final Map<String, FeatureView> views = new ConcurrentHashMap<>();
  final List<AuditEntry> audit = new CopyOnWriteArrayList<>();

  InMemoryRegistry add(FeatureView v) {
    views.put(v.name(), v);
    return this;
  }

  @Override
  public ViewRecord getView(String namespace, String name, String versionRef) {
    return findView(namespace, name, versionRef)
        .orElseThrow(() -> new IllegalArgumentException("unknown view '" + name + "'"));
  }

  @Override
  public Optional<ViewRecord> findView(String namespace, String name, String versionRef) {
    FeatureView v = views.get(name);
    return v == null
        ? Optional.empty()
        : Optional.of(new ViewRecord("id-" + name, v, Instant.EPOCH, "test", null, "x", List.of()));
  }

  @Override
  public void recordAudit(AuditEntry entry) {
    audit.add(entry);
  }

  @Override
  public List<AuditEntry> audit(String namespace, String name, int limit) {
    return new ArrayList<>(audit);
  }

  @Override
  public Optional<Entity> getEntity(String namespace, String name) {
    return Optional.empty();
  }

  @Override
  public ApplyResult apply(SpecBundle bundle, String actor, boolean dryRun) {
    throw new UnsupportedOperationException();
  }

  @Override
  public List<ViewRecord> listViews(ViewQuery query) {
    throw new UnsupportedOperationException();
  }

  @Override
  public List<ViewRecord> versions(String namespace, String name) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ViewRecord setStatus(
      String namespace,
      String name,
      String version,
      ViewStatus status,
      Instant sunset,
      String actor) {
    throw new UnsupportedOperationException();
  }

  @Override
  public List<Entity> listEntities(String namespace) {
    return List.of();
  }

  @Override
  public Optional<Source> getSource(String namespace, String name) {
    return Optional.empty();
  }

  @Override
  public Optional<FeatureService> getService(String namespace, String name) {
    return Optional.empty();
  }

  @Override
  public List<FeatureService> listServices(String namespace) {
    return List.of();
  }

  @Override
  public List<String> listNamespaces() {
    return List.of("default");
  }

  @Override
  public Lineage lineage(String namespace, String name) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void close() {}

  static RegistryException unused() {
    return null;
  }
}
