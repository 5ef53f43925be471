package dev.quiver.serving;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.registry.RegistryException;
import dev.quiver.core.registry.RetiredServicePin;
import dev.quiver.core.registry.ViewQuery;
import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureRef;
import dev.quiver.core.spec.FeatureService;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.SpecValidator;
import dev.quiver.core.spec.Suggestions;
import dev.quiver.core.spec.ViewStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Turns requested feature references into a {@link LookupPlan}. Rules: a qualified name ({@code
 * view.f}) reads that view; a bare name is looked up among the entity's views and must be in
 * exactly one (else 400 asking to qualify it); {@code latest} (or no version) is the newest ACTIVE
 * version, or, for a view without one, its newest non-retired version; a pinned version ({@code
 * v3}, {@code v3.1}) never moves; a DEPRECATED version answers with a warning. Calls the registry,
 * so it runs on a blocking thread, never on an event loop.
 */
final class FeatureResolver {
  /** View tag that overrides {@code server.cache.max-staleness} for one view, in milliseconds. */
  static final String STALENESS_TAG = SpecValidator.MAX_STALENESS_TAG;

  private final FeatureRegistry registry;
  private final Duration defaultStaleness;
  // Registry reads shared by every plan of an entity, kept for one plan-cache TTL, so that
  // resolving a new feature list of a known entity costs no registry round trip.
  private final LoadingCache<List<String>, List<ViewRecord>> entityViews;
  private final LoadingCache<List<String>, Optional<ViewRecord>> views;

  /** Threads of {@link #newRegistryExecutor}: registry reads are few (refreshes, new plans). */
  static final int REGISTRY_THREADS = 4;

  /**
   * The executor of registry reads (loads and refresh-ahead of the plan and registry caches): a
   * fixed pool of {@link #REGISTRY_THREADS} daemon threads that stay alive. Not Armeria's common
   * blocking executor: that is a {@code ScheduledThreadPoolExecutor} which starts a new thread for
   * each task while it has fewer than its 200 core threads, and lets idle ones time out, so the
   * refreshes (a few tasks every {@code server.plan-cache.ttl}) started ~5 threads a second in a
   * lookup server, each start and exit a burst of JVM work (docs/serving.md, "Session 8"). Call
   * {@code shutdown()} when done.
   */
  static ExecutorService newRegistryExecutor() {
    AtomicInteger n = new AtomicInteger();
    return new ThreadPoolExecutor(
        REGISTRY_THREADS,
        REGISTRY_THREADS,
        60,
        TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(),
        r -> {
          Thread t = new Thread(r, "quiver-registry-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  /** A resolver with an executor of its own (tests and diagnostics); never shut down. */
  FeatureResolver(FeatureRegistry registry, Duration defaultStaleness, Duration refresh) {
    this(registry, defaultStaleness, refresh, newRegistryExecutor());
  }

  /**
   * @param registryExecutor runs the registry reads of the caches' refreshes; the caller owns it
   */
  FeatureResolver(
      FeatureRegistry registry,
      Duration defaultStaleness,
      Duration refresh,
      Executor registryExecutor) {
    this.registry = registry;
    this.defaultStaleness = defaultStaleness;
    // Expiring, not refreshed ahead: a plan refresh (LookupService, every plan-cache.ttl) resolves
    // through these caches, and with refresh-ahead here it got the answers of the refresh before,
    // so a change reached a warm plan one refresh late; a retired version (its read fails with
    // GONE, and a failed refresh keeps the old value) was served until both caches expired, 30
    // times the TTL later. Expired entries are read again on the registry threads (a new feature
    // list of a known entity then takes one hop instead of none, for the first request after a
    // TTL).
    this.entityViews =
        Caffeine.newBuilder()
            .maximumSize(10_000)
            .expireAfterWrite(refresh)
            .executor(registryExecutor)
            .build(k -> registry.viewsForEntity(k.get(0), k.get(1)));
    this.views =
        Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterWrite(refresh)
            .executor(registryExecutor)
            .build(k -> registry.findView(k.get(0), k.get(1), k.get(2)));
    this.entities =
        Caffeine.newBuilder()
            .maximumSize(10_000)
            .expireAfterWrite(refresh)
            .executor(registryExecutor)
            .build(k -> registry.getEntity(k.get(0), k.get(1)));
    this.services =
        Caffeine.newBuilder()
            .maximumSize(10_000)
            .expireAfterWrite(refresh)
            .executor(registryExecutor)
            .build(k -> registry.getService(k.get(0), k.get(1)));
  }

  private final LoadingCache<List<String>, Optional<Entity>> entities;
  private final LoadingCache<List<String>, Optional<FeatureService>> services;

  /** Thrown in inline mode when an answer is not in the caches: resolve on a blocking thread. */
  static final class NeedsRegistry extends RuntimeException {
    NeedsRegistry() {
      super("needs a registry round trip", null, false, false);
    }
  }

  private static final NeedsRegistry NEEDS_REGISTRY = new NeedsRegistry();

  private static <V> V cached(
      LoadingCache<List<String>, V> cache, List<String> key, boolean inline) {
    if (!inline) {
      return cache.get(key);
    }
    V v = cache.getIfPresent(key);
    if (v == null) {
      throw NEEDS_REGISTRY;
    }
    return v;
  }

  private static void requireBlocking(boolean inline) {
    if (inline) {
      throw NEEDS_REGISTRY;
    }
  }

  private Optional<ViewRecord> findView(String ns, String name, String ref, boolean inline) {
    return cached(views, List.of(ns, name, ref == null ? "latest" : ref), inline);
  }

  /**
   * {@code " (known: a, b)"}, or, when the namespace has none (a misspelt namespace, or specs not
   * applied yet), a hint saying so instead of an empty list.
   */
  private static String known(
      String kind, String ns, String wanted, java.util.stream.Stream<String> names) {
    List<String> known = names.sorted().toList();
    if (known.isEmpty()) {
      return " (namespace "
          + ns
          + " has no "
          + kind
          + ": check the request's namespace, or apply the specs that define them)";
    }
    // as for features: a misspelt entity or service name gets the closest known one
    return Suggestions.didYouMean(wanted, known) + " (known: " + String.join(", ", known) + ")";
  }

  /**
   * Resolves a plan.
   *
   * @param inline true on an event loop: use only cached registry answers and throw {@link
   *     NeedsRegistry} when one is missing; false on a blocking thread: load what is missing
   */
  LookupPlan resolve(
      String ns, String entityName, List<FeatureRef> refs, String serviceName, boolean inline) {
    List<FeatureRef> wanted = refs;
    String fieldPrefix = "features";
    if (serviceName != null) {
      FeatureService svc =
          cached(services, List.of(ns, serviceName), inline)
              .orElseThrow(
                  () -> {
                    requireBlocking(inline);
                    return ApiException.notFound(
                        "feature_service",
                        "unknown feature service '"
                            + serviceName
                            + "' in namespace "
                            + ns
                            + known(
                                "feature services",
                                ns,
                                serviceName,
                                registry.listServices(ns).stream().map(FeatureService::name)));
                  });
      wanted = svc.features();
      fieldPrefix = "feature_service";
    }
    List<ViewRecord> entityViews = cached(this.entityViews, List.of(ns, entityName), inline);
    Entity entity =
        cached(entities, List.of(ns, entityName), inline)
            .orElseGet(
                () -> {
                  if (entityViews.isEmpty()) {
                    requireBlocking(inline);
                    throw ApiException.notFound(
                        "entity_name",
                        "unknown entity '"
                            + entityName
                            + "' in namespace "
                            + ns
                            + known(
                                "entities",
                                ns,
                                entityName,
                                registry.listEntities(ns).stream().map(Entity::name)));
                  }
                  return Entity.implicit(ns, entityName);
                });

    Map<String, List<String>> featuresByRecord = new LinkedHashMap<>();
    Map<String, ViewRecord> records = new HashMap<>();
    List<String[]> outputs = new ArrayList<>(); // {recordId, feature, outputName}
    List<String> warnings = new ArrayList<>();
    for (int i = 0; i < wanted.size(); i++) {
      FeatureRef ref = wanted.get(i);
      String field = serviceName != null ? fieldPrefix : fieldPrefix + "[" + i + "]";
      ViewRecord rec;
      try {
        rec =
            ref.view() != null
                ? resolveQualified(ns, entityName, ref, field, inline, entityViews)
                : resolveBare(ns, entityName, entityViews, ref, field, inline);
      } catch (RegistryException e) {
        if (serviceName == null) {
          throw e;
        }
        // a pin to a RETIRED version: name the service, its reference and the re-pin
        throw RetiredServicePin.of(registry, ns, serviceName, List.of(ref), e).orElseThrow(() -> e);
      } catch (ApiException e) {
        if (serviceName == null || e.status().code() != 400) {
          throw e;
        }
        // say which of the service's features is at fault, and how a lookup can serve it
        throw ApiException.badRequest(
            "feature_service",
            "feature service '"
                + serviceName
                + "': "
                + ref
                + ": "
                + e.getMessage()
                + "; a lookup serves one entity, so a service mixing entities cannot be looked"
                + " up as one: ask for each entity's features with 'features' in separate"
                + " requests, or define one feature service per entity");
      }
      records.putIfAbsent(rec.id(), rec);
      List<String> fs = featuresByRecord.computeIfAbsent(rec.id(), k -> new ArrayList<>());
      if (!fs.contains(ref.feature())) {
        fs.add(ref.feature());
      }
      outputs.add(new String[] {rec.id(), ref.feature(), outputName(ref, serviceName)});
      // the registry's own warning (sunset, successor) says it when it resolved the version; a
      // second one here repeated it, with "move to a newer ACTIVE version" when there is none
      if (rec.view().status() == ViewStatus.DEPRECATED
          && rec.warnings().stream().noneMatch(x -> x.contains(" is DEPRECATED"))) {
        String w =
            "view "
                + rec.view().name()
                + ":"
                + rec.version()
                + " is DEPRECATED"
                + (rec.sunsetAt() == null ? "" : " (sunset " + rec.sunsetAt() + ")")
                + "; move to a newer ACTIVE version";
        if (!warnings.contains(w)) {
          warnings.add(w);
        }
      }
      for (String w : rec.warnings()) {
        if (!warnings.contains(w)) {
          warnings.add(w);
        }
      }
    }
    List<LookupPlan.ViewRead> reads = new ArrayList<>();
    Map<String, Integer> readIndex = new HashMap<>();
    for (Map.Entry<String, List<String>> e : featuresByRecord.entrySet()) {
      ViewRecord rec = records.get(e.getKey());
      readIndex.put(e.getKey(), reads.size());
      reads.add(
          new LookupPlan.ViewRead(
              rec,
              entity.joinKeys(),
              List.copyOf(e.getValue()),
              rec.version().toString(),
              staleness(rec.view()).toNanos(),
              rec.view().ttl().toMillis()));
    }
    String[] names = new String[outputs.size()];
    int[] outRead = new int[outputs.size()];
    int[] outFeature = new int[outputs.size()];
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < outputs.size(); i++) {
      String[] o = outputs.get(i);
      Integer prev = seen.put(o[2], i);
      if (prev != null) {
        ViewRecord a = records.get(outputs.get(prev)[0]);
        ViewRecord b = records.get(o[0]);
        String fix =
            a != b && a.view().qualifiedName().equals(b.view().qualifiedName())
                // a response has one entry per name, and versions answer under the same name
                ? "; they are versions "
                    + a.version()
                    + " and "
                    + b.version()
                    + " of view "
                    + a.view().name()
                    + ", which answer under one name: look each version up in its own request"
                : serviceName != null
                    ? "; a feature service's features answer under their bare names: list one of"
                        + " them in feature service "
                        + serviceName
                    : "; qualify one as view.feature or drop the duplicate";
        throw ApiException.badRequest(
            serviceName != null ? "feature_service" : "features[" + i + "]",
            "feature '"
                + o[2]
                + "' is requested twice (features["
                + prev
                + "] and features["
                + i
                + "])"
                + fix);
      }
      names[i] = o[2];
      outRead[i] = readIndex.get(o[0]);
      outFeature[i] = reads.get(outRead[i]).features().indexOf(o[1]);
    }
    return new LookupPlan(
        entity, List.copyOf(reads), names, outRead, outFeature, List.copyOf(warnings));
  }

  private static String outputName(FeatureRef ref, String serviceName) {
    // Qualified requests answer under the qualified name (without a version) so that two views'
    // same-named features never collide; bare names answer as written (PRD §11.2).
    return ref.view() != null && serviceName == null
        ? ref.view() + "." + ref.feature()
        : ref.feature();
  }

  /** No version, or {@code latest} (as the registry reads it): the newest ACTIVE version. */
  private static boolean unpinned(String version) {
    return version == null || version.isBlank() || version.trim().equalsIgnoreCase("latest");
  }

  /**
   * @param entityViews the entity's views: an unpinned view without an ACTIVE version answers from
   *     the one listed there (newest non-retired), as for a bare name
   */
  private ViewRecord resolveQualified(
      String ns,
      String entity,
      FeatureRef ref,
      String field,
      boolean inline,
      List<ViewRecord> entityViews) {
    String versionRef = ref.version() == null ? "latest" : ref.version();
    Optional<ViewRecord> found = findView(ns, ref.view(), versionRef, inline);
    if (found.isEmpty()) {
      // no ACTIVE version: the newest non-retired one, with its warning, as for a bare name (and
      // as exports and backfills read it: FeatureRegistry#viewForRead)
      found = FeatureRegistry.unpinnedFallback(ref.version(), ref.view(), entityViews);
    }
    if (found.isEmpty()) {
      requireBlocking(inline);
    }
    ViewRecord rec =
        found.orElseThrow(
            () -> {
              List<ViewRecord> versions;
              try {
                versions = registry.versions(ns, ref.view());
              } catch (RegistryException e) {
                if (e.kind() != RegistryException.Kind.NOT_FOUND) {
                  throw e;
                }
                // the registry's own error named its REST route's path parameter ("name"), not
                // the request's field, and listed no view
                versions = List.of();
              }
              if (versions.isEmpty()) {
                List<String> known =
                    entityViews.stream().map(r -> r.view().name()).distinct().sorted().toList();
                return ApiException.notFound(
                    field,
                    "unknown feature view '"
                        + ref.view()
                        + "' in namespace "
                        + ns
                        + Suggestions.closest(ref.view(), known)
                            .map(b -> "; did you mean " + b + "?")
                            .orElse("")
                        + (known.isEmpty()
                            ? " (entity " + entity + " has no views)"
                            : " (views of entity "
                                + entity
                                + ": "
                                + (known.size() > 20
                                    ? String.join(", ", known.subList(0, 20)) + ", ..."
                                    : String.join(", ", known))
                                + ")"));
              }
              return ApiException.notFound(
                  field,
                  "feature view "
                      + ref.view()
                      + " has no version '"
                      + versionRef
                      + "' (versions: "
                      + versions.stream()
                          .map(r -> r.version() + " " + r.view().status())
                          .collect(Collectors.joining(", "))
                      + ")");
            });
    if (!rec.view().entities().contains(entity)) {
      throw ApiException.badRequest(
          field,
          "feature view "
              + ref.view()
              + " is keyed by "
              + rec.view().entities()
              + ", not by entity '"
              + entity
              + "'");
    }
    if (ref.feature().equals("*")) {
      // exports take 'view.*'; a lookup's answer is keyed by the names it asked for
      throw ApiException.badRequest(
          field,
          "'"
              + ref.view()
              + ".*': a lookup names each feature ('*', every feature of a view, is for exports:"
              + " quiver export 'view.*'); list them, e.g. \""
              + ref.view()
              + "."
              + rec.view().features().get(0).name()
              + "\", or name a feature_service (features of "
              + rec.view().name()
              + ":"
              + rec.version()
              + ": "
              + String.join(", ", featureNames(List.of(rec)))
              + ")");
    }
    if (rec.view().feature(ref.feature()).isEmpty()) {
      throw ApiException.notFound(
          field,
          "unknown feature '"
              + ref.feature()
              + "' in view "
              + rec.view().name()
              + ":"
              + rec.version()
              + didYouMean(ref.feature(), featureNames(List.of(rec))));
    }
    return rec;
  }

  /**
   * {@code " (user_activity has it in v1 ACTIVE, v2 DEPRECATED)"}: the versions to pin instead, for
   * an unknown version of a bare feature name (which said only that no view had that version).
   */
  private String versionsHolding(String ns, List<ViewRecord> entityViews, String feature) {
    List<String> parts = new ArrayList<>();
    for (String view :
        entityViews.stream().map(r -> r.view().name()).distinct().sorted().toList()) {
      List<String> versions;
      try {
        versions =
            registry.versions(ns, view).stream()
                .filter(r -> r.view().feature(feature).isPresent())
                .map(r -> r.version() + " " + r.view().status())
                .toList();
      } catch (RegistryException e) {
        continue; // deleted meanwhile: nothing to suggest
      }
      if (!versions.isEmpty()) {
        parts.add(view + " has it in " + String.join(", ", versions));
      }
    }
    return parts.isEmpty() ? "" : " (" + String.join("; ", parts) + ")";
  }

  private ViewRecord resolveBare(
      String ns,
      String entity,
      List<ViewRecord> entityViews,
      FeatureRef ref,
      String field,
      boolean inline) {
    List<ViewRecord> matches = new ArrayList<>();
    boolean versionExists = false;
    for (ViewRecord listed : entityViews) {
      Optional<ViewRecord> rec;
      if (unpinned(ref.version())) {
        rec = findView(ns, listed.view().name(), "latest", inline);
        if (rec.isEmpty()) {
          rec = Optional.of(listed); // no ACTIVE version: newest non-retired, served with a warning
        }
      } else {
        rec = findView(ns, listed.view().name(), ref.version(), inline);
      }
      if (rec.isPresent()) {
        versionExists = true;
        if (rec.get().view().feature(ref.feature()).isPresent()) {
          matches.add(rec.get());
        }
      }
    }
    if (matches.size() > 1) {
      throw ApiException.badRequest(
          field,
          "feature '"
              + ref.feature()
              + "' is ambiguous: it is in views "
              + matches.stream()
                  .map(r -> r.view().name())
                  .sorted()
                  .collect(Collectors.joining(", "))
              + "; qualify it as "
              + matches.stream()
                  .map(r -> r.view().name() + "." + ref.feature())
                  .sorted()
                  .collect(Collectors.joining(" or ")));
    }
    if (matches.isEmpty()) {
      requireBlocking(inline); // an error: reading the registry for a better message is fine
      // a pinned version that no view has, or that lacks the feature (a later revision added it:
      // "unknown feature 'f:v4.0' ...; did you mean f?" quoted the pin as the name): the versions
      // that have it
      String holding = ref.version() == null ? "" : versionsHolding(ns, entityViews, ref.feature());
      if (ref.version() != null && (!versionExists || !holding.isEmpty())) {
        throw ApiException.notFound(
            field,
            "no view of entity '"
                + entity
                + "' has version '"
                + ref.version()
                + "' with feature '"
                + ref.feature()
                + "'"
                + holding);
      }
      String elsewhere = otherEntities(ns, entity, ref.feature());
      throw ApiException.notFound(
          field,
          "unknown feature '"
              + ref.feature()
              + (ref.version() == null ? "" : ":" + ref.version())
              + "' for entity '"
              + entity
              + "'"
              + (elsewhere != null
                  ? elsewhere
                  : didYouMean(ref.feature(), featureNames(entityViews))));
    }
    return matches.get(0);
  }

  /**
   * "; it is a feature of entity merchant (view merchant_risk): ..." when views of other entities
   * have the feature (a lookup serves one entity, and "did you mean user_txn_count_1h?" for {@code
   * merchant_txn_count_1h} misled), else null.
   */
  private String otherEntities(String ns, String entity, String feature) {
    List<String> owners =
        registry.listViews(new ViewQuery(ns, null, null, null, null, 100_000)).stream()
            .filter(r -> !r.view().entities().contains(entity))
            .filter(r -> r.view().feature(feature).isPresent())
            .map(
                r ->
                    "entity "
                        + String.join(", ", r.view().entities())
                        + " (view "
                        + r.view().name()
                        + ")")
            .sorted()
            .toList();
    return owners.isEmpty()
        ? null
        : "; it is a feature of "
            + String.join(" and of ", owners)
            + ": a lookup serves one entity, so ask for it with that entity_name";
  }

  /**
   * The view's near-cache bound: its {@link #STALENESS_TAG} in milliseconds, else the server's.
   * Specs are checked when applied ({@code SpecValidator}); a tag stored before that rule that is
   * no whole number falls back to the server default, a negative one disables the cache, and one
   * beyond a duration's nanoseconds is capped (it made every lookup of the view a 500).
   */
  static Duration staleness(FeatureView view, Duration defaultStaleness) {
    String tag = view.tags().get(STALENESS_TAG);
    if (tag != null) {
      try {
        long ms = Long.parseLong(tag.trim());
        return Duration.ofMillis(Math.max(0, Math.min(ms, SpecValidator.MAX_STALENESS_MS)));
      } catch (NumberFormatException e) {
        // the server default (see above)
      }
    }
    return defaultStaleness;
  }

  private Duration staleness(FeatureView view) {
    return staleness(view, defaultStaleness);
  }

  private static List<String> featureNames(List<ViewRecord> views) {
    return views.stream()
        .flatMap(v -> v.view().features().stream().map(Feature::name))
        .distinct()
        .sorted()
        .toList();
  }

  static String didYouMean(String name, List<String> known) {
    // the spec's rule: case-insensitive, and a shortened name (user_txn_count for
    // user_txn_count_1h) counts; a copy of Levenshtein here missed USER_TXN_COUNT_1H
    String best = Suggestions.closest(name, known).orElse(null);
    String list =
        known.size() > 20
            ? String.join(", ", known.subList(0, 20)) + ", ..."
            : String.join(", ", known);
    return (best == null ? "" : "; did you mean " + best + "?") + " (features: " + list + ")";
  }
}
