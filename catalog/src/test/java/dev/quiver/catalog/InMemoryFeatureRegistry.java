package dev.quiver.catalog;

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
import dev.quiver.core.spec.Version;
import dev.quiver.core.spec.ViewStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A unit-test fake: stores every applied view as a new version (revision + 1 under its major) with
 * no compatibility checks. The ITCases use the real embedded registry.
 */
final class InMemoryFeatureRegistry implements FeatureRegistry {
  private final Map<String, List<ViewRecord>> views = new TreeMap<>();
  private final Map<String, Entity> entities = new ConcurrentHashMap<>();
  private final Map<String, Source> sources = new ConcurrentHashMap<>();

  @Override
  public synchronized ApplyResult apply(SpecBundle bundle, String actor, boolean dryRun) {
    bundle.entities().forEach(e -> entities.put(e.namespace() + "." + e.name(), e));
    bundle.sources().forEach(s -> sources.put(s.namespace() + "." + s.name(), s));
    for (FeatureView v : bundle.views()) {
      List<ViewRecord> list = views.computeIfAbsent(v.qualifiedName(), k -> new ArrayList<>());
      int rev = (int) list.stream().filter(r -> r.version().major() == v.version().major()).count();
      FeatureView stored = v.withVersion(new Version(v.version().major(), rev));
      list.add(
          new ViewRecord(
              UUID.randomUUID().toString(), stored, Instant.now(), actor, null, "x", List.of()));
    }
    return new ApplyResult(List.of(), List.of(), dryRun);
  }

  @Override
  public synchronized ViewRecord getView(String namespace, String name, String versionRef) {
    return findView(namespace, name, versionRef)
        .orElseThrow(() -> new RegistryException(RegistryException.Kind.NOT_FOUND, name));
  }

  @Override
  public synchronized Optional<ViewRecord> findView(String ns, String name, String ref) {
    List<ViewRecord> list = views.getOrDefault(ns + "." + name, List.of());
    if (ref == null || ref.equals("latest")) {
      return list.stream().filter(r -> r.view().status() == ViewStatus.ACTIVE).reduce((a, b) -> b);
    }
    Version v = Version.parse(ref);
    if (Version.isMajorOnly(ref)) {
      return list.stream()
          .filter(r -> r.version().major() == v.major())
          .filter(r -> r.view().status() != ViewStatus.RETIRED)
          .reduce((a, b) -> b);
    }
    return list.stream().filter(r -> r.version().equals(v)).findFirst();
  }

  @Override
  public synchronized List<ViewRecord> listViews(ViewQuery q) {
    return views.values().stream()
        .map(l -> l.get(l.size() - 1))
        .filter(r -> q.namespace() == null || r.view().namespace().equals(q.namespace()))
        .toList();
  }

  @Override
  public synchronized List<ViewRecord> versions(String namespace, String name) {
    return List.copyOf(views.getOrDefault(namespace + "." + name, List.of()));
  }

  @Override
  public synchronized ViewRecord setStatus(
      String ns, String name, String version, ViewStatus status, Instant sunset, String actor) {
    List<ViewRecord> list = views.get(ns + "." + name);
    ViewRecord r = getView(ns, name, version);
    ViewRecord moved =
        new ViewRecord(
            r.id(),
            r.view().withStatus(status),
            r.createdAt(),
            r.createdBy(),
            sunset,
            "x",
            List.of());
    list.set(list.indexOf(r), moved);
    return moved;
  }

  @Override
  public Optional<Entity> getEntity(String namespace, String name) {
    return Optional.ofNullable(entities.get(namespace + "." + name));
  }

  @Override
  public List<Entity> listEntities(String namespace) {
    return entities.values().stream().filter(e -> e.namespace().equals(namespace)).toList();
  }

  @Override
  public Optional<Source> getSource(String namespace, String name) {
    return Optional.ofNullable(sources.get(namespace + "." + name));
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
  public synchronized List<String> listNamespaces() {
    return views.values().stream().map(l -> l.get(0).view().namespace()).distinct().toList();
  }

  @Override
  public Lineage lineage(String namespace, String name) {
    return new Lineage(List.of(), List.of());
  }

  @Override
  public List<AuditEntry> audit(String namespace, String name, int limit) {
    return List.of();
  }

  @Override
  public void close() {}
}
