package dev.quiver.core.registry;

import dev.quiver.core.registry.ApplyResult.Change;
import dev.quiver.core.registry.ApplyResult.ChangePlan;
import dev.quiver.core.registry.ApplyResult.Compatibility;
import dev.quiver.core.registry.RegistryException.Kind;
import dev.quiver.core.registry.store.RegistryTransaction;
import dev.quiver.core.registry.store.VersionInfo;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.FeatureRef;
import dev.quiver.core.spec.FeatureService;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.Suggestions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Upserts the objects that views share — entities, sources and feature services — with audit
 * entries. These are not versioned: a view keeps its own copy of what it was built from.
 */
final class SharedObjectApplier {
  private static final Compatibility OK = Compatibility.COMPATIBLE;

  private final CompatibilityChecker checker;

  SharedObjectApplier(CompatibilityChecker checker) {
    this.checker = checker;
  }

  ChangePlan entity(RegistryTransaction tx, Entity e, String actor, Instant now) {
    Optional<Entity> old = tx.entity(e.namespace(), e.name());
    if (old.isPresent() && old.get().equals(e)) {
      return new ChangePlan("entity", e.namespace(), e.name(), "UNCHANGED", null, null, List.of());
    }
    List<Change> diffs = new ArrayList<>();
    if (old.isEmpty()) {
      diffs.add(new Change(e.name(), "new entity keyed by " + keys(e), OK));
    } else {
      Entity o = old.get();
      if (!o.joinKeys().equals(e.joinKeys())) {
        List<String> users = viewsUsing(tx, e.namespace(), e.name());
        if (!users.isEmpty()) {
          throw new RegistryException(
              Kind.BREAKING_CHANGE,
              "entity "
                  + e.name()
                  + ": join keys "
                  + keys(o)
                  + " -> "
                  + keys(e)
                  + " would change the keys of views "
                  + users
                  + "; fix: declare a new entity (e.g. "
                  + e.name()
                  + "_v2) and publish those"
                  + " views under a new major version that uses it",
              "join_keys");
        }
        diffs.add(new Change("join_keys", keys(o) + " -> " + keys(e) + " (no view uses it)", OK));
      }
      if (!o.description().equals(e.description())) {
        diffs.add(new Change("description", "description changed", OK));
      }
      if (!o.owner().equals(e.owner())) {
        diffs.add(new Change("owner", "owner '" + o.owner() + "' -> '" + e.owner() + "'", OK));
      }
    }
    tx.ensureNamespace(e.namespace(), now);
    tx.putEntity(e, actor, now);
    return audited(tx, "entity", e.namespace(), e.name(), old.isEmpty(), diffs, actor, now);
  }

  /** Registers {@link Entity#implicit} for each entity a view names that nobody declared. */
  List<ChangePlan> implicitEntities(
      RegistryTransaction tx, FeatureView view, String actor, Instant now) {
    List<ChangePlan> out = new ArrayList<>();
    for (String name : view.entities()) {
      if (tx.entity(view.namespace(), name).isEmpty()) {
        out.add(entity(tx, Entity.implicit(view.namespace(), name), actor, now));
      }
    }
    return out;
  }

  ChangePlan source(RegistryTransaction tx, Source s, String actor, Instant now) {
    Optional<Source> old = tx.source(s.namespace(), s.name());
    if (old.isPresent() && old.get().equals(s)) {
      return new ChangePlan("source", s.namespace(), s.name(), "UNCHANGED", null, null, List.of());
    }
    List<Change> diffs =
        old.isEmpty()
            ? List.of(new Change(s.name(), "new " + s.kind() + " source", OK))
            : checker.diffSource(old.get(), s);
    tx.ensureNamespace(s.namespace(), now);
    tx.putSource(s, actor, now);
    return audited(tx, "source", s.namespace(), s.name(), old.isEmpty(), diffs, actor, now);
  }

  ChangePlan service(RegistryTransaction tx, FeatureService s, String actor, Instant now) {
    List<FeatureRef> resolved = new ArrayList<>();
    List<RegistryException> bad = new ArrayList<>();
    for (int i = 0; i < s.features().size(); i++) {
      try {
        resolved.add(resolveRef(tx, s, i));
      } catch (RegistryException e) {
        bad.add(e); // every bad reference at once, not one per apply
      }
    }
    if (bad.size() == 1) {
      throw bad.get(0);
    }
    if (!bad.isEmpty()) {
      throw new RegistryException(
          Kind.INVALID,
          "feature service "
              + s.name()
              + ": "
              + bad.size()
              + " references cannot be resolved:\n"
              + bad.stream().map(e -> "  - " + e.getMessage()).collect(Collectors.joining("\n")),
          bad.get(0).field());
    }
    FeatureService stored =
        new FeatureService(s.namespace(), s.name(), resolved, s.owner(), s.description(), s.tags());
    Optional<FeatureService> old = tx.service(s.namespace(), s.name());
    if (old.isPresent() && old.get().equals(stored)) {
      return new ChangePlan(
          "feature_service", s.namespace(), s.name(), "UNCHANGED", null, null, List.of());
    }
    List<Change> diffs = new ArrayList<>();
    TreeSet<String> before =
        old.map(
                o ->
                    o.features().stream()
                        .map(FeatureRef::toString)
                        .collect(Collectors.toCollection(TreeSet::new)))
            .orElseGet(TreeSet::new);
    TreeSet<String> after =
        resolved.stream().map(FeatureRef::toString).collect(Collectors.toCollection(TreeSet::new));
    for (String r : after) {
      if (!before.contains(r)) {
        diffs.add(new Change("features[" + r + "]", "consumes " + r, OK));
      }
    }
    for (String r : before) {
      if (!after.contains(r)) {
        diffs.add(new Change("features[" + r + "]", "no longer consumes " + r, OK));
      }
    }
    if (old.isPresent() && !Objects.equals(old.get().owner(), s.owner())) {
      diffs.add(
          new Change("owner", "owner '" + old.get().owner() + "' -> '" + s.owner() + "'", OK));
    }
    tx.ensureNamespace(s.namespace(), now);
    tx.putService(stored, actor, now);
    return audited(
        tx, "feature_service", s.namespace(), s.name(), old.isEmpty(), diffs, actor, now);
  }

  /** Checks one service reference against the registry and fills in its view when omitted. */
  private FeatureRef resolveRef(RegistryTransaction tx, FeatureService s, int index) {
    FeatureRef ref = s.features().get(index);
    String field = "features[" + index + "]";
    String where = "feature service " + s.name() + ": " + field + " '" + ref + "'";
    if (ref.view() == null) {
      List<String> owners = new ArrayList<>();
      TreeSet<String> allFeatures = new TreeSet<>();
      for (ViewRecord r : tx.list(new ViewQuery(s.namespace(), null, null, null, null, 0))) {
        r.view().features().forEach(f -> allFeatures.add(f.name()));
        if (r.view().feature(ref.feature()).isPresent()) {
          owners.add(r.view().name());
        }
      }
      if (owners.size() == 1) {
        return new FeatureRef(owners.get(0), ref.version(), ref.feature());
      }
      if (owners.isEmpty()) {
        throw new RegistryException(
            Kind.INVALID,
            where
                + ": no view has feature '"
                + ref.feature()
                + "'"
                + Suggestions.didYouMean(ref.feature(), allFeatures),
            field);
      }
      throw new RegistryException(
          Kind.INVALID,
          where
              + ": feature '"
              + ref.feature()
              + "' is in several views "
              + owners
              + "; write view.feature, e.g. "
              + owners.get(0)
              + "."
              + ref.feature(),
          field);
    }
    List<VersionInfo> versions = tx.versionInfos(s.namespace(), ref.view());
    if (versions.isEmpty()) {
      throw new RegistryException(
          Kind.INVALID,
          where
              + ": unknown view '"
              + ref.view()
              + "'"
              + Suggestions.didYouMean(ref.view(), tx.viewNames(s.namespace())),
          field);
    }
    VersionInfo v;
    try {
      v = VersionResolver.resolve(ref.view(), versions, ref.version());
    } catch (RegistryException e) {
      throw new RegistryException(Kind.INVALID, where + ": " + e.getMessage(), field);
    }
    FeatureView view = tx.view(v.id()).orElseThrow().view();
    if (view.feature(ref.feature()).isEmpty()) {
      List<String> names = view.features().stream().map(f -> f.name()).toList();
      throw new RegistryException(
          Kind.INVALID,
          "unknown feature '"
              + ref.feature()
              + "' in view "
              + ref.view()
              + ":"
              + v.version()
              + " ("
              + where
              + ")"
              + Suggestions.didYouMean(ref.feature(), names),
          field);
    }
    return ref;
  }

  private static List<String> viewsUsing(RegistryTransaction tx, String ns, String entity) {
    return tx.list(new ViewQuery(ns, null, null, null, null, 0)).stream()
        .filter(r -> r.view().entities().contains(entity))
        .map(r -> r.view().name())
        .toList();
  }

  private static String keys(Entity e) {
    return e.joinKeys().stream()
        .map(k -> k.name() + " " + k.type())
        .collect(Collectors.joining(", ", "[", "]"));
  }

  /** The plan of a created or updated shared object, recorded in the audit log. */
  private static ChangePlan audited(
      RegistryTransaction tx,
      String kind,
      String namespace,
      String name,
      boolean created,
      List<Change> diffs,
      String actor,
      Instant now) {
    ChangePlan plan =
        new ChangePlan(kind, namespace, name, created ? "CREATE" : "UPDATE", null, null, diffs);
    ViewApplier.audit(tx, plan, actor, now);
    return plan;
  }
}
