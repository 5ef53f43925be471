package dev.quiver.core.spec;

import static dev.quiver.core.spec.Names.problem;
import static dev.quiver.core.spec.Names.warning;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The semantic rules of the spec language, on model objects, so that they apply the same to a YAML
 * file, a REST body and a Flink {@code CREATE TABLE} through the catalog. Every rule reports a
 * {@link SpecProblem} with the field path (model paths such as {@code features[2].dtype}; the
 * parser maps them back to what the author wrote and adds file and line), the offending value and
 * the fix. Stateless and thread-safe.
 */
public final class SpecValidator {
  /** The event-time column of every view table (catalog, offline and online). */
  public static final String EVENT_TIME_COLUMN = "event_time";

  private SpecValidator() {}

  /**
   * Checks a feature view, including its source (paths under {@code source.}).
   *
   * @param entities resolves an entity name of the view's namespace; empty = not declared (the view
   *     then gets {@link Entity#implicit} and a warning)
   * @return errors and warnings, never null; no errors means the view may be applied
   */
  public static List<SpecProblem> validate(
      FeatureView view, Function<String, Optional<Entity>> entities) {
    return validate(view, entities, List.of());
  }

  /**
   * As {@link #validate(FeatureView, Function)}; {@code entityNames} are the entities of the view's
   * namespace, so that an undeclared entity close to one of them (a typo) gets "did you mean".
   */
  public static List<SpecProblem> validate(
      FeatureView view,
      Function<String, Optional<Entity>> entities,
      Collection<String> entityNames) {
    List<SpecProblem> out = new ArrayList<>();
    Names.check(view.name(), "name", "view", out);
    if (!Names.valid(view.namespace())) {
      Names.check(view.namespace(), "namespace", "namespace", out);
    }
    if (view.source() != null) {
      List<SpecProblem> sourceProblems = new ArrayList<>();
      SourceRules.check(view.source(), sourceProblems);
      sourceProblems.forEach(p -> out.add(prefixed("source", p)));
    }
    durations(view, out);
    servingTags(view, out);
    List<Entity> resolved = entities(view, entities, entityNames, out);
    FeatureRules.check(view, out);
    columnNamesTaken(view, resolved, out);
    joinKeysAndTime(view, resolved, entityNames, out);
    if (view.source() == null && view.transformations().isEmpty()) {
      out.add(
          problem(
              "source",
              "missing (a view needs a source, or a transformation that reads one)",
              "add source: <a declared source's name>, or an inline source {name, kind, schema, event_time_field, options}"));
    }
    if (!view.online() && !view.offline()) {
      out.add(
          problem(
              "online",
              "false together with offline: false (the view would store nothing)",
              "set online: true for serving, offline: true for training sets, or both"));
    }
    TransformationLint.check(view, out);
    return out;
  }

  /** Checks a source; paths are relative to it. */
  public static List<SpecProblem> validate(Source source) {
    List<SpecProblem> out = new ArrayList<>();
    SourceRules.check(source, out);
    return out;
  }

  /** Checks an entity; paths are relative to it. */
  public static List<SpecProblem> validate(Entity entity) {
    return ServiceRules.entity(entity);
  }

  /**
   * Checks a feature service.
   *
   * @param views resolves a view name of the service's namespace to the version the service would
   *     read (unpinned: the newest); empty = unknown here (the registry checks it on apply)
   */
  public static List<SpecProblem> validate(
      FeatureService service, Function<String, Optional<FeatureView>> views) {
    return ServiceRules.service(service, views, (name, version) -> Optional.empty());
  }

  /**
   * Checks a feature service, and its references to view versions the files do not declare through
   * {@code elsewhere} (the registry): an unknown view or version, a RETIRED pin, an unknown feature
   * of a pinned version, all reported with the rest of the file's problems.
   *
   * @param elsewhere resolves (view name, version reference) as the registry would; empty = cannot
   *     tell (the registry checks it on apply)
   */
  public static List<SpecProblem> validate(
      FeatureService service,
      Function<String, Optional<FeatureView>> views,
      BiFunction<String, String, Optional<SpecParser.ServiceTarget>> elsewhere) {
    return ServiceRules.service(service, views, elsewhere);
  }

  /** The view tag that sets the lookup server's near-cache bound for the view, in milliseconds. */
  public static final String MAX_STALENESS_TAG = "serving.max_staleness_ms";

  /** The largest {@link #MAX_STALENESS_TAG}: what a duration of nanoseconds holds (~292 years). */
  public static final long MAX_STALENESS_MS = Long.MAX_VALUE / 1_000_000;

  /**
   * {@link #MAX_STALENESS_TAG} is a whole number of milliseconds: the lookup server ignored a value
   * like {@code 5s} or {@code 200ms} (it served the server default instead), and one beyond a
   * long's nanoseconds failed every lookup of the view with a 500.
   */
  private static void servingTags(FeatureView v, List<SpecProblem> out) {
    String tag = v.tags().get(MAX_STALENESS_TAG);
    if (tag == null) {
      return;
    }
    long ms;
    try {
      ms = Long.parseLong(tag.trim());
    } catch (NumberFormatException e) {
      ms = -1;
    }
    if (ms < 0 || ms > MAX_STALENESS_MS) {
      out.add(
          problem(
              "tags." + MAX_STALENESS_TAG,
              "'"
                  + tag
                  + "' (expected: a whole number of milliseconds, 0.."
                  + MAX_STALENESS_MS
                  + ")",
              "write the near cache's bound for this view in milliseconds, e.g. "
                  + MAX_STALENESS_TAG
                  + ": \"200\" (0 disables the near cache for the view)"));
    }
  }

  private static void durations(FeatureView v, List<SpecProblem> out) {
    if (v.ttl().isNegative() || v.ttl().isZero()) {
      out.add(
          problem("ttl_seconds", v.ttl().toSeconds() + " (expected: > 0)", ViewReader.TTL_HINT));
    }
    nonNegative(v.slaFreshness(), "sla_freshness_seconds", out);
    nonNegative(v.allowedLateness(), "allowed_lateness", out);
    nonNegative(v.availabilityDelay(), "availability_delay", out);
    if (v.tileSize().isNegative() || v.tileSize().isZero()) {
      out.add(
          problem(
              "tile_size",
              Durations.format(v.tileSize().abs())
                  + (v.tileSize().isZero() ? "" : " negative")
                  + " (expected: > 0)",
              "use a tile that divides every window, e.g. tile_size: 5m (the default)"));
    }
    if (!v.ttl().isNegative()
        && !v.ttl().isZero()
        && v.availabilityDelay().compareTo(v.ttl()) >= 0) {
      // a point-in-time read at t uses events with t - ttl < event_time <= t - availability_delay
      out.add(
          problem(
              "availability_delay",
              Durations.format(v.availabilityDelay())
                  + " is not shorter than the ttl "
                  + Durations.format(v.ttl())
                  + ": an event is available only once it has expired, so every training-set"
                  + " value would be null",
              "lower availability_delay below the ttl, or raise ttl above "
                  + Durations.format(v.availabilityDelay())));
    }
    Duration delay = v.source() == null ? Duration.ZERO : v.source().watermarkDelay();
    if (!v.slaFreshness().isZero() && v.slaFreshness().compareTo(delay) < 0) {
      out.add(
          warning(
              "sla_freshness_seconds",
              "the freshness SLA "
                  + Durations.format(v.slaFreshness())
                  + " is shorter than the watermark delay "
                  + Durations.format(delay)
                  + ", so window aggregations can never meet it",
              "raise the SLA, or lower watermark_delay"));
    }
    if (v.allowedLateness().compareTo(v.ttl()) > 0 && !v.ttl().isNegative() && !v.ttl().isZero()) {
      out.add(
          warning(
              "allowed_lateness",
              Durations.format(v.allowedLateness())
                  + " is longer than the ttl "
                  + Durations.format(v.ttl()),
              "events that late have already expired; lower allowed_lateness"));
    }
  }

  private static void nonNegative(Duration d, String path, List<SpecProblem> out) {
    if (d.isNegative()) {
      out.add(
          problem(
              path,
              "-" + Durations.format(d.abs()) + " (expected: >= 0)",
              "write a duration >= 0, e.g. "
                  + path
                  + ": "
                  + (path.endsWith("_seconds") ? "60" : "1m")));
    }
  }

  private static List<Entity> entities(
      FeatureView v,
      Function<String, Optional<Entity>> lookup,
      Collection<String> entityNames,
      List<SpecProblem> out) {
    List<Entity> resolved = new ArrayList<>();
    if (v.entities().isEmpty()) {
      out.add(
          problem(
              "entities",
              "[] (expected: at least one entity)",
              "name the entities the view describes, e.g. entities: [user]"));
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < v.entities().size(); i++) {
      String e = v.entities().get(i);
      String path = "entities[" + i + "]";
      if (!Names.valid(e)) {
        Names.check(e, path, "entity", out);
        continue;
      }
      Integer first = seen.putIfAbsent(e, i);
      if (first != null) {
        out.add(
            problem(
                path,
                "duplicate entity '" + e + "' (also entities[" + first + "])",
                "name each entity once"));
        continue;
      }
      Optional<Entity> found = lookup.apply(e);
      if (found.isEmpty()) {
        Entity implicit = Entity.implicit(v.namespace(), e);
        JoinKey key = implicit.joinKeys().get(0);
        out.add(
            warning(
                path,
                "entity '"
                    + e
                    + "' is not declared; using the implicit entity "
                    + e
                    + " with join key "
                    + key.name()
                    + " "
                    + key.type(),
                didYouMeanEntity(e, entityNames)
                    + "declare it to choose its keys: {kind: entity, name: "
                    + e
                    + ", join_keys: [{name: "
                    + key.name()
                    + ", type: STRING}]}"));
      }
      resolved.add(found.orElseGet(() -> Entity.implicit(v.namespace(), e)));
    }
    return resolved;
  }

  /**
   * Every table of a view (the catalog's, the offline Iceberg table, the online rows) has a column
   * per join key and an {@value #EVENT_TIME_COLUMN} column before its features: a feature of one of
   * these names would be a second column of that name (Flink refuses the job; the catalog's
   * DESCRIBE would show one of the two).
   */
  private static void columnNamesTaken(
      FeatureView v, List<Entity> entities, List<SpecProblem> out) {
    Map<String, String> taken = new HashMap<>();
    for (Entity e : entities) {
      for (JoinKey k : e.joinKeys()) {
        taken.putIfAbsent(k.name(), "the join key of entity '" + e.name() + "'");
      }
    }
    taken.put(EVENT_TIME_COLUMN, "the event time of every row");
    for (int i = 0; i < v.features().size(); i++) {
      Feature f = v.features().get(i);
      String name = f.name();
      String what = taken.get(name);
      if (what != null) {
        // the renamed feature keeps what it computes: its own expr (an aggregation needs none);
        // "expr: event_time" was suggested for a feature that had expr: dwell_ms
        String keep =
            f.aggregation() != null
                ? ""
                : ", expr: "
                    + (f.expression() == null || f.expression().isBlank() ? name : f.expression());
        out.add(
            problem(
                "features[" + i + "].name",
                "'"
                    + name
                    + "' is a column of every table of the view already ("
                    + what
                    + "), so it cannot be a feature name",
                "rename the feature, e.g. name: " + v.name() + "_" + name + keep));
      }
    }
  }

  /**
   * Without a transformation, the view reads the source's columns directly: each join key and the
   * event-time column must then be columns of the source, with matching types.
   */
  /**
   * "did you mean driver? (declared entities: driver, rider); or " when {@code name} is close to a
   * known entity, else empty.
   */
  private static String didYouMeanEntity(String name, Collection<String> entityNames) {
    return Suggestions.closest(name, entityNames)
        .map(
            c ->
                "did you mean "
                    + c
                    + "? (declared entities: "
                    + String.join(", ", entityNames)
                    + "); or ")
        .orElse("");
  }

  private static void joinKeysAndTime(
      FeatureView v, List<Entity> entities, Collection<String> entityNames, List<SpecProblem> out) {
    Source s = v.source();
    if (s == null || !v.transformations().isEmpty() || s.schema().isEmpty()) {
      return;
    }
    List<String> columns = s.schema().stream().map(SourceField::name).toList();
    for (Entity e : entities) {
      String path = "entities[" + v.entities().indexOf(e.name()) + "]";
      // An undeclared entity close to a declared one is most likely a typo of it.
      String typoedEntity =
          entityNames.contains(e.name()) ? "" : didYouMeanEntity(e.name(), entityNames);
      for (JoinKey k : e.joinKeys()) {
        Optional<SourceField> col = s.field(k.name());
        if (col.isEmpty()) {
          out.add(
              problem(
                  path,
                  "join key '"
                      + k.name()
                      + "' of entity '"
                      + e.name()
                      + "' is not a column of source '"
                      + s.name()
                      + "'",
                  typoedEntity.isEmpty()
                      ? "add "
                          + k.name()
                          + " "
                          + k.type()
                          + " to the source schema, or rename the column in a transformation"
                          + Suggestions.closest(k.name(), columns)
                              .map(c -> " (did you mean " + c + "?)")
                              .orElse("")
                      : typoedEntity
                          + "add "
                          + k.name()
                          + " "
                          + k.type()
                          + " to the source schema"));
        } else if (!col.get().type().equals(k.type())) {
          out.add(
              problem(
                  path,
                  "join key '"
                      + k.name()
                      + "' is "
                      + k.type()
                      + " in entity '"
                      + e.name()
                      + "' but "
                      + col.get().type()
                      + " in source '"
                      + s.name()
                      + "'",
                  "make the types equal (keys are compared exactly)"));
        }
      }
    }
    if (v.watermarkExpr() != null) {
      Optional<SourceField> col = s.field(v.watermarkExpr());
      if (col.isEmpty()) {
        out.add(SourceRules.notAColumn("watermark_expr", v.watermarkExpr(), s.name(), columns));
      } else if (!SourceRules.isTimeType(col.get().type())) {
        out.add(
            problem(
                "watermark_expr",
                "column '"
                    + v.watermarkExpr()
                    + "' is "
                    + col.get().type()
                    + " (expected: TIMESTAMP, or INT64 epoch milliseconds)",
                "name the event-time column, e.g. watermark_expr: " + s.eventTimeField()));
      }
    }
  }

  private static SpecProblem prefixed(String prefix, SpecProblem p) {
    return new SpecProblem(
        p.severity(), p.file(), Problems.join(prefix, p.path()), p.line(), p.message(), p.hint());
  }
}
