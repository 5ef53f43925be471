package dev.quiver.serving;

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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-memory registry for unit tests of the HTTP layer: version resolution only, no checks. */
public final class InMemoryFeatureRegistry implements FeatureRegistry {
  private final Map<String, List<ViewRecord>> views = new ConcurrentHashMap<>();
  private final Map<String, Entity> entities = new ConcurrentHashMap<>();
  private final Map<String, FeatureService> services = new ConcurrentHashMap<>();

  public void put(Entity e) {
    entities.put(e.namespace() + "." + e.name(), e);
  }

  public void put(FeatureService s) {
    services.put(s.namespace() + "." + s.name(), s);
  }

  public ViewRecord put(FeatureView v) {
    ViewRecord r =
        new ViewRecord(
            UUID.randomUUID().toString(),
            v,
            Instant.now(),
            "test",
            null,
            "sum-" + v.hashCode(),
            List.of());
    views.computeIfAbsent(v.namespace() + "." + v.name(), k -> new CopyOnWriteArrayList<>()).add(r);
    return r;
  }

  @Override
  public ApplyResult apply(SpecBundle bundle, String actor, boolean dryRun) {
    bundle.entities().forEach(this::put);
    bundle.services().forEach(this::put);
    bundle.views().forEach(this::put);
    return new ApplyResult(List.of(), List.of(), dryRun);
  }

  @Override
  public ViewRecord getView(String namespace, String name, String versionRef) {
    return findView(namespace, name, versionRef)
        .orElseThrow(
            () ->
                new RegistryException(
                    RegistryException.Kind.NOT_FOUND,
                    "feature view " + name + " has no version " + versionRef,
                    "version"));
  }

  @Override
  public Optional<ViewRecord> findView(String namespace, String name, String ref) {
    List<ViewRecord> all = views.getOrDefault(namespace + "." + name, List.of());
    if (ref == null || ref.equals("latest")) {
      return all.stream()
          .filter(r -> r.view().status() == ViewStatus.ACTIVE)
          .max(Comparator.comparing(ViewRecord::version));
    }
    Version v = Version.parse(ref);
    if (Version.isMajorOnly(ref)) {
      return all.stream()
          .filter(r -> r.version().major() == v.major() && r.view().status() != ViewStatus.RETIRED)
          .max(Comparator.comparing(ViewRecord::version));
    }
    return all.stream().filter(r -> r.version().equals(v)).findFirst();
  }

  @Override
  public List<ViewRecord> listViews(ViewQuery q) {
    List<ViewRecord> out = new ArrayList<>();
    for (List<ViewRecord> vs : views.values()) {
      vs.stream()
          .filter(r -> r.view().status() != ViewStatus.RETIRED)
          .max(Comparator.comparing(ViewRecord::version))
          .filter(r -> q.namespace() == null || r.view().namespace().equals(q.namespace()))
          .filter(r -> q.owner() == null || r.view().owner().equals(q.owner()))
          .filter(r -> q.status() == null || r.view().status() == q.status())
          .filter(r -> q.text() == null || r.view().name().contains(q.text()))
          .filter(
              r -> {
                if (q.tag() == null) {
                  return true;
                }
                String[] kv = q.tag().split("=", 2);
                return kv.length == 1
                    ? r.view().tags().containsKey(kv[0])
                    : kv[1].equals(r.view().tags().get(kv[0]));
              })
          .ifPresent(out::add);
    }
    out.sort(Comparator.comparing(r -> r.view().name()));
    return out.size() > q.limit() ? out.subList(0, q.limit()) : out;
  }

  @Override
  public List<ViewRecord> versions(String namespace, String name) {
    return List.copyOf(views.getOrDefault(namespace + "." + name, List.of()));
  }

  @Override
  public ViewRecord setStatus(
      String namespace,
      String name,
      String version,
      ViewStatus status,
      Instant sunset,
      String actor) {
    List<ViewRecord> all = views.get(namespace + "." + name);
    ViewRecord r = getView(namespace, name, version);
    ViewRecord n =
        new ViewRecord(
            r.id(),
            r.view().withStatus(status),
            r.createdAt(),
            r.createdBy(),
            sunset,
            r.specChecksum(),
            r.warnings());
    all.set(all.indexOf(r), n);
    return n;
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
    return Optional.empty();
  }

  @Override
  public Optional<FeatureService> getService(String namespace, String name) {
    return Optional.ofNullable(services.get(namespace + "." + name));
  }

  @Override
  public List<FeatureService> listServices(String namespace) {
    return services.values().stream().filter(e -> e.namespace().equals(namespace)).toList();
  }

  @Override
  public List<String> listNamespaces() {
    return List.of("default");
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
