package dev.quiver.core.registry;

import dev.quiver.core.registry.ApplyResult.ChangePlan;
import dev.quiver.core.registry.RegistryException.Kind;
import dev.quiver.core.registry.store.RegistryStore;
import dev.quiver.core.registry.store.RegistryStore.Mode;
import dev.quiver.core.registry.store.RegistryTransaction;
import dev.quiver.core.registry.store.StoreConflictException;
import dev.quiver.core.registry.store.VersionInfo;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.FeatureService;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SpecProblem;
import dev.quiver.core.spec.Suggestions;
import dev.quiver.core.spec.ViewStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * The feature registry over a {@link RegistryStore}: versioning, compatibility, lifecycle,
 * optimistic locking and audit. Holds no cache, so several processes can share one database.
 *
 * <p>Each apply runs in one transaction. Every view it writes advances that view's head sequence
 * with a compare-and-set; if another writer moved a head first, the transaction rolls back and the
 * whole apply is re-planned against what landed (up to {@code maxAttempts} times, then CONFLICT).
 * So concurrent applies never overwrite each other: each becomes its own revision, or is refused as
 * breaking against the version that won.
 */
public final class DefaultFeatureRegistry implements FeatureRegistry {
  private final RegistryStore store;
  private final int maxAttempts;
  private final Clock clock;
  private final CompatibilityChecker checker = new CompatibilityChecker();
  private final ViewApplier views = new ViewApplier(checker);
  private final SharedObjectApplier shared = new SharedObjectApplier(checker);

  public DefaultFeatureRegistry(RegistryStore store, int maxAttempts, Clock clock) {
    this.store = store;
    if (maxAttempts < 1) {
      throw new IllegalArgumentException(
          "registry.max-apply-attempts: " + maxAttempts + " (expected: >= 1)");
    }
    this.maxAttempts = maxAttempts;
    this.clock = clock;
  }

  public DefaultFeatureRegistry(RegistryStore store) {
    this(store, RegistryOptions.MAX_APPLY_ATTEMPTS.defaultValue(), Clock.systemUTC());
  }

  public RegistryStore store() {
    return store;
  }

  // ---------------------------------------------------------------- writes

  @Override
  public ApplyResult apply(SpecBundle bundle, String actor, boolean dryRun) {
    return apply(bundle, actor, dryRun, List.of());
  }

  @Override
  public ApplyResult apply(
      SpecBundle bundle, String actor, boolean dryRun, List<Precondition> preconditions) {
    Map<String, String> expected = new HashMap<>();
    for (Precondition p : preconditions) {
      expected.put(p.namespace() + "." + p.name(), p.expectedVersion());
    }
    // Sorted so that two bundles touching the same views lock their heads in the same order, and
    // so that several majors of one view land oldest first.
    List<FeatureView> sorted =
        bundle.views().stream()
            .sorted(
                Comparator.comparing(FeatureView::namespace)
                    .thenComparing(FeatureView::name)
                    .thenComparing(v -> v.version().major()))
            .toList();
    checkDuplicates(sorted);
    String who = actor == null || actor.isBlank() ? "unknown" : actor;
    return withRetries(
        dryRun ? Mode.DRY_RUN : Mode.WRITE,
        tx -> {
          Instant now = clock.instant();
          List<ChangePlan> plans = new ArrayList<>();
          List<SpecProblem> warnings = new ArrayList<>();
          for (Entity e : bundle.entities()) {
            plans.add(shared.entity(tx, e, who, now));
          }
          for (Source s : bundle.sources()) {
            plans.add(shared.source(tx, s, who, now));
          }
          for (FeatureView v : sorted) {
            tx.ensureNamespace(v.namespace(), now);
            plans.addAll(shared.implicitEntities(tx, v, who, now));
            String key = v.qualifiedName();
            String exp = expected.containsKey(key) ? expected.get(key) : "";
            ChangePlan plan = views.apply(tx, v, exp, who, now, warnings);
            plans.add(plan);
          }
          for (FeatureService s : bundle.services()) {
            plans.add(shared.service(tx, s, who, now));
          }
          return new ApplyResult(plans, warnings, dryRun);
        });
  }

  @Override
  public ViewRecord setStatus(
      String namespace,
      String name,
      String version,
      ViewStatus status,
      Instant sunset,
      String actor) {
    String who = actor == null || actor.isBlank() ? "unknown" : actor;
    return withRetries(
        Mode.WRITE,
        tx -> {
          List<VersionInfo> all = existing(tx, namespace, name);
          VersionInfo updated =
              ViewLifecycle.move(
                  tx, namespace, name, all, version, status, sunset, who, clock.instant());
          return record(tx, name, updated, tx.versionInfos(namespace, name));
        });
  }

  private <T> T withRetries(Mode mode, Function<RegistryTransaction, T> work) {
    RuntimeException last = null;
    for (int attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        return store.transact(mode, work);
      } catch (ViewApplier.HeadMoved | StoreConflictException e) {
        last = e;
        backoff(attempt);
      }
    }
    throw new RegistryException(
        Kind.CONFLICT,
        "the registry changed under this write "
            + maxAttempts
            + " times in a row ("
            + last.getMessage()
            + "); nothing was written, retry later",
        null);
  }

  private static void backoff(int attempt) {
    long capMs = Math.min(50, 1L << Math.min(attempt, 6));
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(capMs + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException(Kind.CONFLICT, "interrupted while retrying a registry write");
    }
  }

  /** Several majors of one view may come together (applied oldest first); one major only once. */
  private static void checkDuplicates(List<FeatureView> views) {
    for (int i = 1; i < views.size(); i++) {
      FeatureView a = views.get(i - 1);
      FeatureView b = views.get(i);
      if (a.qualifiedName().equals(b.qualifiedName())
          && a.version().major() == b.version().major()) {
        throw new RegistryException(
            Kind.INVALID,
            "views: "
                + b.qualifiedName()
                + ":v"
                + b.version().major()
                + " appears twice in one"
                + " apply (expected: one spec per view major)",
            "version");
      }
    }
  }

  // ---------------------------------------------------------------- reads

  @Override
  public ViewRecord getView(String namespace, String name, String versionRef) {
    return store.transact(
        Mode.READ,
        tx -> {
          List<VersionInfo> all = existing(tx, namespace, name);
          return record(tx, name, VersionResolver.resolve(name, all, versionRef), all);
        });
  }

  @Override
  public Optional<ViewRecord> findView(String namespace, String name, String versionRef) {
    try {
      return Optional.of(getView(namespace, name, versionRef));
    } catch (RegistryException e) {
      if (e.kind() == Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public List<ViewRecord> listViews(ViewQuery query) {
    return store.transact(
        Mode.READ,
        tx ->
            tx.list(query).stream()
                .map(r -> r.view().status() == ViewStatus.ACTIVE ? r : withWarnings(tx, r))
                .toList());
  }

  @Override
  public List<ViewRecord> versions(String namespace, String name) {
    return store.transact(
        Mode.READ,
        tx -> {
          List<ViewRecord> all = tx.versions(namespace, name);
          if (all.isEmpty()) {
            existing(tx, namespace, name); // throws NOT_FOUND with did-you-mean
          }
          List<VersionInfo> infos = tx.versionInfos(namespace, name);
          return all.stream().map(r -> withWarnings(r, infos)).toList();
        });
  }

  @Override
  public Optional<Entity> getEntity(String namespace, String name) {
    return store.transact(Mode.READ, tx -> tx.entity(namespace, name));
  }

  @Override
  public List<Entity> listEntities(String namespace) {
    return store.transact(Mode.READ, tx -> tx.entities(namespace));
  }

  @Override
  public Optional<Source> getSource(String namespace, String name) {
    return store.transact(Mode.READ, tx -> tx.source(namespace, name));
  }

  @Override
  public Optional<FeatureService> getService(String namespace, String name) {
    return store.transact(Mode.READ, tx -> tx.service(namespace, name));
  }

  @Override
  public List<FeatureService> listServices(String namespace) {
    return store.transact(Mode.READ, tx -> tx.services(namespace));
  }

  @Override
  public List<String> listNamespaces() {
    return store.transact(Mode.READ, RegistryTransaction::namespaces);
  }

  @Override
  public Lineage lineage(String namespace, String name) {
    return store.transact(
        Mode.READ,
        tx -> {
          LinkedHashSet<String> upstream = new LinkedHashSet<>();
          for (VersionInfo v : existing(tx, namespace, name)) {
            if (v.status() != ViewStatus.RETIRED) {
              upstream.addAll(tx.upstream(v.id()));
            }
          }
          return new Lineage(List.copyOf(upstream), tx.consumers(namespace, name));
        });
  }

  @Override
  public List<AuditEntry> audit(String namespace, String name, int limit) {
    return store.transact(Mode.READ, tx -> tx.audit(namespace, name, limit));
  }

  /** Appends to the store's audit log: a backfill's entry lands beside the registry's own. */
  @Override
  public void recordAudit(AuditEntry entry) {
    store.transact(
        Mode.WRITE,
        tx -> {
          tx.appendAudit(entry);
          return null;
        });
  }

  @Override
  public void close() {
    store.close();
  }

  /** The versions of a view; NOT_FOUND with "did you mean" when it has none. */
  private static List<VersionInfo> existing(RegistryTransaction tx, String ns, String name) {
    List<VersionInfo> all = tx.versionInfos(ns, name);
    if (!all.isEmpty()) {
      return all;
    }
    List<String> names = tx.viewNames(ns);
    String hint = Suggestions.didYouMean(name, names);
    if (hint.isEmpty() && !tx.namespaces().contains(ns)) {
      hint = " (namespace '" + ns + "' does not exist; namespaces: " + tx.namespaces() + ")";
    }
    throw new RegistryException(
        Kind.NOT_FOUND, "unknown feature view '" + ns + "." + name + "'" + hint, "name");
  }

  private static ViewRecord record(
      RegistryTransaction tx, String name, VersionInfo v, List<VersionInfo> all) {
    return withWarnings(tx.view(v.id()).orElseThrow(), all);
  }

  private static ViewRecord withWarnings(RegistryTransaction tx, ViewRecord r) {
    return withWarnings(r, tx.versionInfos(r.view().namespace(), r.view().name()));
  }

  private static ViewRecord withWarnings(ViewRecord r, List<VersionInfo> all) {
    VersionInfo self =
        new VersionInfo(
            r.id(),
            r.version(),
            r.view().status(),
            r.sunsetAt(),
            r.specChecksum(),
            r.createdAt(),
            r.createdBy());
    List<String> w = VersionResolver.warnings(r.view().name(), self, all);
    return w.isEmpty()
        ? r
        : new ViewRecord(
            r.id(), r.view(), r.createdAt(), r.createdBy(), r.sunsetAt(), r.specChecksum(), w);
  }
}
