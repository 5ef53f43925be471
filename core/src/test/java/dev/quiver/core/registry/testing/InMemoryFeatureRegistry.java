package dev.quiver.core.registry.testing;

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
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A unit-test fake shared by the modules' HTTP and catalog tests: version resolution and lifecycle
 * only, no compatibility checks, no persistence, no lineage. The ITCases use the real embedded or
 * PostgreSQL registry. What it does not have it answers as the real registry does (NOT_FOUND for a
 * missing view or version, empty for a missing entity, source or service), checked by {@code
 * RegistryNotFoundContract} against both.
 *
 * <p>{@link #apply} keeps a view's version when its major is new, and otherwise assigns the next
 * revision under that major (v3 applied twice gives v3.0 then v3.1), like the real registry does
 * for a compatible change.
 */
public final class InMemoryFeatureRegistry implements FeatureRegistry {
  private final Map<String, List<ViewRecord>> views = new ConcurrentHashMap<>();
  private final Map<String, Entity> entities = new ConcurrentHashMap<>();
  private final Map<String, Source> sources = new ConcurrentHashMap<>();
  private final Map<String, FeatureService> services = new ConcurrentHashMap<>();
  private final List<AuditEntry> audit = new CopyOnWriteArrayList<>();

  public void put(Entity e) {
    entities.put(e.namespace() + "." + e.name(), e);
  }

  public void put(Source s) {
    sources.put(s.namespace() + "." + s.name(), s);
  }

  public void put(FeatureService s) {
    services.put(s.namespace() + "." + s.name(), s);
  }

  /** Stores the view exactly as given (its version included). */
  public ViewRecord put(FeatureView v) {
    return put(v, "test");
  }

  private ViewRecord put(FeatureView v, String actor) {
    ViewRecord r =
        new ViewRecord(
            UUID.randomUUID().toString(),
            v,
            Instant.now(),
            actor,
            null,
            "sum-" + v.hashCode(),
            List.of());
    views.computeIfAbsent(v.qualifiedName(), k -> new CopyOnWriteArrayList<>()).add(r);
    return r;
  }

  @Override
  public synchronized ApplyResult apply(SpecBundle bundle, String actor, boolean dryRun) {
    bundle.entities().forEach(this::put);
    bundle.sources().forEach(this::put);
    bundle.services().forEach(this::put);
    for (FeatureView v : bundle.views()) {
      int major = v.version().major();
      Optional<ViewRecord> sameMajor =
          views.getOrDefault(v.qualifiedName(), List.of()).stream()
              .filter(r -> r.version().major() == major)
              .max(Comparator.comparing(ViewRecord::version));
      put(
          sameMajor
              .map(r -> v.withVersion(new Version(major, r.version().revision() + 1)))
              .orElse(v),
          actor);
    }
    return new ApplyResult(List.of(), List.of(), dryRun);
  }

  @Override
  public ViewRecord getView(String namespace, String name, String versionRef) {
    List<ViewRecord> all = existing(namespace, name);
    return findView(namespace, name, versionRef)
        .orElseThrow(
            () ->
                new RegistryException(
                    RegistryException.Kind.NOT_FOUND,
                    VersionResolverText.notFound(name, versionRef, all),
                    "version"));
  }

  /**
   * The view's versions; NOT_FOUND (field {@code name}) with a "did you mean" when it has none, as
   * the real registry answers (and its HTTP routes turn into a 404).
   */
  private List<ViewRecord> existing(String namespace, String name) {
    List<ViewRecord> all = views.getOrDefault(namespace + "." + name, List.of());
    if (!all.isEmpty()) {
      return all;
    }
    List<String> names =
        views.values().stream()
            .map(l -> l.get(0).view())
            .filter(v -> v.namespace().equals(namespace))
            .map(FeatureView::name)
            .toList();
    String hint = dev.quiver.core.spec.Suggestions.didYouMean(name, names);
    List<String> namespaces = listNamespaces();
    if (hint.isEmpty() && !namespaces.contains(namespace)) {
      hint = " (namespace '" + namespace + "' does not exist; namespaces: " + namespaces + ")";
    }
    throw new RegistryException(
        RegistryException.Kind.NOT_FOUND,
        "unknown feature view '" + namespace + "." + name + "'" + hint,
        "name");
  }

  /** The real registry's NOT_FOUND text for a version (VersionResolver's, which is not public). */
  private static final class VersionResolverText {
    static String notFound(String view, String ref, List<ViewRecord> all) {
      String versions =
          all.stream()
              .sorted(Comparator.comparing(ViewRecord::version))
              .map(r -> r.version() + " " + r.view().status())
              .collect(java.util.stream.Collectors.joining(", "));
      if (ref == null || ref.isBlank() || ref.equals("latest")) {
        return view
            + " has no ACTIVE version, so 'latest' resolves to nothing (versions: "
            + versions
            + ")";
      }
      return view + ":" + ref.trim() + " does not exist (versions: " + versions + ")";
    }
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
          .filter(r -> q.tag() == null || hasTag(r.view(), q.tag()))
          .ifPresent(out::add);
    }
    out.sort(Comparator.comparing(r -> r.view().name()));
    return out.size() > q.limit() ? out.subList(0, q.limit()) : out;
  }

  private static boolean hasTag(FeatureView v, String tag) {
    String[] kv = tag.split("=", 2);
    return kv.length == 1 ? v.tags().containsKey(kv[0]) : kv[1].equals(v.tags().get(kv[0]));
  }

  @Override
  public List<ViewRecord> versions(String namespace, String name) {
    return List.copyOf(existing(namespace, name));
  }

  @Override
  public synchronized ViewRecord setStatus(
      String namespace,
      String name,
      String version,
      ViewStatus status,
      Instant sunset,
      String actor) {
    List<ViewRecord> all = existing(namespace, name);
    ViewRecord r = getView(namespace, name, version);
    ViewRecord moved =
        new ViewRecord(
            r.id(),
            r.view().withStatus(status),
            r.createdAt(),
            r.createdBy(),
            sunset,
            r.specChecksum(),
            // as the registry warns readers (DefaultFeatureRegistry: VersionResolver.warnings)
            status == ViewStatus.DEPRECATED
                ? List.of(name + ":v" + r.version().major() + " is DEPRECATED")
                : List.of());
    all.set(all.indexOf(r), moved);
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
    return Optional.ofNullable(services.get(namespace + "." + name));
  }

  @Override
  public List<FeatureService> listServices(String namespace) {
    return services.values().stream().filter(e -> e.namespace().equals(namespace)).toList();
  }

  /** The namespaces that hold anything (none in an empty registry, as the real one). */
  @Override
  public List<String> listNamespaces() {
    TreeSet<String> out = new TreeSet<>();
    views.values().forEach(l -> out.add(l.get(0).view().namespace()));
    entities.values().forEach(e -> out.add(e.namespace()));
    sources.values().forEach(e -> out.add(e.namespace()));
    services.values().forEach(e -> out.add(e.namespace()));
    return List.copyOf(out);
  }

  /** No lineage is kept: empty for a view it has, NOT_FOUND for one it has not. */
  @Override
  public Lineage lineage(String namespace, String name) {
    existing(namespace, name);
    return new Lineage(List.of(), List.of());
  }

  @Override
  public void recordAudit(AuditEntry entry) {
    audit.add(entry);
  }

  @Override
  public List<AuditEntry> audit(String namespace, String name, int limit) {
    return audit.stream()
        .filter(e -> namespace == null || namespace.equals(e.namespace()))
        .filter(e -> name == null || name.equals(e.name()))
        .limit(limit)
        .toList();
  }

  @Override
  public void close() {}
}
