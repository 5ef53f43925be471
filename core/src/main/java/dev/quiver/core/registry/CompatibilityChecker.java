package dev.quiver.core.registry;

import dev.quiver.core.registry.ApplyResult.Change;
import dev.quiver.core.registry.ApplyResult.Compatibility;
import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import dev.quiver.core.spec.Transformation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Classifies each difference between two versions of a feature view as COMPATIBLE (a pinned
 * consumer keeps its features, types and semantics; it may become a new revision) or BREAKING (it
 * needs a new major). The full rule table is in {@code docs/registry.md}; in short:
 *
 * <ul>
 *   <li>compatible: add a feature; owner, description, tags, SLA, feature descriptions and tags;
 *       ttl, allowed lateness or watermark delay increased; online/offline switched on; source
 *       columns added; client-only source options; transformation code reformatted (same tokens);
 *   <li>breaking: remove or retype a feature; change its expression or aggregation (column,
 *       function, window, n); change entities; change the source (name, kind, event time, dedup
 *       key, topic/table/format) or the watermark expression, drop or retype a source column;
 *       change transformation code (by its whitespace-insensitive checksum) or language, add or
 *       remove a transformation; tile size; availability delay; ttl, allowed lateness or watermark
 *       delay decreased; online/offline switched off.
 * </ul>
 *
 * <p>The version and lifecycle status are not compared: the registry owns them. Stateless and
 * thread-safe.
 */
public final class CompatibilityChecker {
  private static final Compatibility OK = Compatibility.COMPATIBLE;
  private static final Compatibility BREAKING = Compatibility.BREAKING;

  /** Source options that only say how to reach the data, not which data it is. */
  private static boolean clientOnlyOption(String key) {
    return key.startsWith("properties.")
        || key.equals("bootstrap_servers")
        || key.equals("group_id");
  }

  /** Every difference from {@code old} to {@code neu}, in spec order; empty when equivalent. */
  public List<Change> diff(FeatureView old, FeatureView neu) {
    List<Change> out = new ArrayList<>();
    if (!old.entities().equals(neu.entities())) {
      out.add(
          new Change(
              "entities",
              "entities " + old.entities() + " -> " + neu.entities() + " (changes the join keys)",
              BREAKING));
    }
    diffSource(old.source(), neu.source(), out);
    // Compared as the column it resolves to: watermark_expr defaults to the source's event-time
    // field, so writing that column out (or leaving it out again) changes nothing; a change of
    // the source's field alone is reported by diffSource.
    if (!Objects.equals(old.watermarkExpr(), neu.watermarkExpr())
        && !Objects.equals(old.eventTimeColumn(), neu.eventTimeColumn())) {
      out.add(
          new Change(
              "watermark_expr",
              "watermark expression "
                  + old.eventTimeColumn()
                  + " -> "
                  + neu.eventTimeColumn()
                  + " (changes the event time of every row)",
              BREAKING));
    }
    diffFeatures(old, neu, out);
    diffTransformations(old.transformations(), neu.transformations(), out);
    widen(out, "ttl", old.ttl(), neu.ttl(), "values expire");
    widen(out, "allowed_lateness", old.allowedLateness(), neu.allowedLateness(), "late events");
    if (!old.tileSize().equals(neu.tileSize())) {
      out.add(
          new Change(
              "tile_size",
              "tile size "
                  + fmt(old.tileSize())
                  + " -> "
                  + fmt(neu.tileSize())
                  + " (moves window edges; stored tiles no longer merge)",
              BREAKING));
    }
    if (!old.availabilityDelay().equals(neu.availabilityDelay())) {
      out.add(
          new Change(
              "availability_delay",
              "availability delay "
                  + fmt(old.availabilityDelay())
                  + " -> "
                  + fmt(neu.availabilityDelay())
                  + " (changes point-in-time training values)",
              BREAKING));
    }
    if (!old.slaFreshness().equals(neu.slaFreshness())) {
      out.add(
          new Change(
              "sla_freshness",
              "freshness SLA " + fmt(old.slaFreshness()) + " -> " + fmt(neu.slaFreshness()),
              OK));
    }
    flag(out, "online", old.online(), neu.online(), "online lookups");
    flag(out, "offline", old.offline(), neu.offline(), "offline (Iceberg) reads");
    text(out, "owner", "owner", old.owner(), neu.owner());
    text(out, "description", "description", old.description(), neu.description());
    diffMap(out, "tags", old.tags(), neu.tags());
    return List.copyOf(out);
  }

  /** Differences between two versions of a registered source, classified like a view's. */
  public List<Change> diffSource(Source old, Source neu) {
    List<Change> out = new ArrayList<>();
    diffSource(old, neu, out);
    return List.copyOf(out);
  }

  /** Whether any change is breaking. */
  public static boolean isBreaking(List<Change> changes) {
    return changes.stream().anyMatch(c -> c.compatibility() == BREAKING);
  }

  private void diffSource(Source a, Source b, List<Change> out) {
    if (a == null && b == null) {
      return;
    }
    if (a == null || b == null) {
      out.add(
          new Change(
              "source",
              "source "
                  + (a == null ? "none" : a.name())
                  + " -> "
                  + (b == null ? "none" : b.name()),
              BREAKING));
      return;
    }
    if (!a.name().equals(b.name()) || !a.namespace().equals(b.namespace())) {
      out.add(new Change("source.name", "source " + a.name() + " -> " + b.name(), BREAKING));
    }
    if (!a.kind().equals(b.kind())) {
      out.add(new Change("source.kind", "source kind " + a.kind() + " -> " + b.kind(), BREAKING));
    }
    if (!a.eventTimeField().equals(b.eventTimeField())) {
      out.add(
          new Change(
              "source.event_time_field",
              "event-time field " + a.eventTimeField() + " -> " + b.eventTimeField(),
              BREAKING));
    }
    if (!Objects.equals(a.dedupKey(), b.dedupKey())) {
      out.add(
          new Change(
              "source.dedup_key",
              "dedup key " + a.dedupKey() + " -> " + b.dedupKey() + " (changes which events count)",
              BREAKING));
    }
    widen(out, "source.watermark_delay", a.watermarkDelay(), b.watermarkDelay(), "late events");
    Map<String, SourceField> oldCols = byName(a.schema(), SourceField::name);
    Map<String, SourceField> newCols = byName(b.schema(), SourceField::name);
    for (SourceField f : a.schema()) {
      SourceField n = newCols.get(f.name());
      String path = "source.schema[" + f.name() + "]";
      if (n == null) {
        out.add(new Change(path, "removed source column " + f.name() + " " + f.type(), BREAKING));
      } else if (!n.type().equals(f.type())) {
        out.add(
            new Change(
                path + ".type",
                "source column " + f.name() + " " + f.type() + " -> " + n.type(),
                BREAKING));
      }
    }
    for (SourceField f : b.schema()) {
      if (!oldCols.containsKey(f.name())) {
        out.add(
            new Change(
                "source.schema[" + f.name() + "]",
                "added source column " + f.name() + " " + f.type(),
                OK));
      }
    }
    for (String key : new TreeSet<>(union(a.options(), b.options()))) {
      String x = a.options().get(key);
      String y = b.options().get(key);
      if (!Objects.equals(x, y)) {
        out.add(
            new Change(
                "source.options." + key,
                "source option " + key + ": " + x + " -> " + y,
                clientOnlyOption(key) ? OK : BREAKING));
      }
    }
  }

  private void diffFeatures(FeatureView old, FeatureView neu, List<Change> out) {
    Map<String, Feature> next = byName(neu.features(), Feature::name);
    Map<String, Feature> prev = byName(old.features(), Feature::name);
    for (Feature f : old.features()) {
      Feature n = next.get(f.name());
      String path = "features[" + f.name() + "]";
      if (n == null) {
        out.add(new Change(path, "removed feature " + f.name() + " " + f.dtype(), BREAKING));
        continue;
      }
      if (!f.dtype().equals(n.dtype())) {
        out.add(
            new Change(
                path + ".dtype",
                "retyped feature " + f.name() + " " + f.dtype() + " -> " + n.dtype(),
                BREAKING));
      }
      boolean kindChanged = f.isAggregation() != n.isAggregation();
      if (!kindChanged && !Objects.equals(normalize(f.expression()), normalize(n.expression()))) {
        out.add(
            new Change(
                path + ".expression",
                "expression of " + f.name() + ": " + f.expression() + " -> " + n.expression(),
                BREAKING));
      }
      diffAggregation(path, f.aggregation(), n.aggregation(), out);
      text(
          out,
          path + ".description",
          "description of " + f.name(),
          f.description(),
          n.description());
      diffMap(out, path + ".tags", f.tags(), n.tags());
    }
    for (Feature n : neu.features()) {
      if (!prev.containsKey(n.name())) {
        out.add(
            new Change(
                "features[" + n.name() + "]", "added feature " + n.name() + " " + n.dtype(), OK));
      }
    }
    List<String> oldOrder =
        old.features().stream().map(Feature::name).filter(next::containsKey).toList();
    List<String> newOrder =
        neu.features().stream().map(Feature::name).filter(prev::containsKey).toList();
    if (!oldOrder.equals(newOrder)) {
      out.add(new Change("features", "reordered features (columns are read by name)", OK));
    }
  }

  private void diffAggregation(String path, Aggregation a, Aggregation b, List<Change> out) {
    if (a == null && b == null) {
      return;
    }
    if (a == null || b == null) {
      out.add(
          new Change(
              path + ".aggregation",
              (a == null
                  ? "row feature became a window aggregation"
                  : "window aggregation became a row feature"),
              BREAKING));
      return;
    }
    if (!a.column().equals(b.column())) {
      out.add(
          new Change(
              path + ".aggregation.column",
              "aggregated column " + a.column() + " -> " + b.column(),
              BREAKING));
    }
    if (a.function() != b.function()) {
      out.add(
          new Change(
              path + ".aggregation.function",
              "function " + a.function().specName() + " -> " + b.function().specName(),
              BREAKING));
    }
    if (!a.window().equals(b.window())) {
      out.add(
          new Change(
              path + ".aggregation.window",
              "window " + fmt(a.window()) + " -> " + fmt(b.window()),
              BREAKING));
    }
    if (a.n() != b.n()) {
      out.add(new Change(path + ".aggregation.n", "n " + a.n() + " -> " + b.n(), BREAKING));
    }
  }

  private void diffTransformations(
      List<Transformation> a, List<Transformation> b, List<Change> out) {
    for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
      String path = "transformations[" + i + "]";
      if (i >= a.size()) {
        out.add(new Change(path, "added transformation (" + b.get(i).language() + ")", BREAKING));
      } else if (i >= b.size()) {
        out.add(new Change(path, "removed transformation (" + a.get(i).language() + ")", BREAKING));
      } else {
        Transformation x = a.get(i);
        Transformation y = b.get(i);
        if (!x.language().equalsIgnoreCase(y.language())) {
          out.add(
              new Change(
                  path + ".language",
                  "language " + x.language() + " -> " + y.language(),
                  BREAKING));
        }
        if (!x.checksum().equals(y.checksum())) {
          out.add(
              new Change(
                  path + ".code",
                  "code changed (checksum "
                      + x.checksum().substring(0, 12)
                      + " -> "
                      + y.checksum().substring(0, 12)
                      + ")",
                  BREAKING));
        } else if (!x.code().equals(y.code())) {
          out.add(new Change(path + ".code", "code reformatted (same tokens, same checksum)", OK));
        }
      }
    }
  }

  /** A duration where a larger value only adds data: increase compatible, decrease breaking. */
  private static void widen(List<Change> out, String path, Duration a, Duration b, String what) {
    if (a.equals(b)) {
      return;
    }
    boolean up = b.compareTo(a) > 0;
    out.add(
        new Change(
            path,
            path
                + " "
                + fmt(a)
                + " -> "
                + fmt(b)
                + (up
                    ? " (increase: keeps every value a consumer saw)"
                    : " (decrease: " + what + " that consumers relied on are dropped)"),
            up ? OK : BREAKING));
  }

  private static void flag(List<Change> out, String path, boolean a, boolean b, String what) {
    if (a != b) {
      out.add(
          new Change(
              path,
              path + " " + a + " -> " + b + (b ? " (adds " : " (removes ") + what + ")",
              b ? OK : BREAKING));
    }
  }

  private static void text(List<Change> out, String path, String label, String a, String b) {
    if (!Objects.equals(a, b)) {
      out.add(new Change(path, label + " '" + a + "' -> '" + b + "'", OK));
    }
  }

  private static void diffMap(
      List<Change> out, String path, Map<String, String> a, Map<String, String> b) {
    for (String key : new TreeSet<>(union(a, b))) {
      String x = a.get(key);
      String y = b.get(key);
      if (!Objects.equals(x, y)) {
        // the old value too: the change history of a tag change showed only the new one
        String what =
            x == null
                ? "added tag " + key + "='" + y + "'"
                : y == null
                    ? "removed tag " + key + " (was '" + x + "')"
                    : "changed tag " + key + " '" + x + "' -> '" + y + "'";
        out.add(new Change(path + "." + key, what, OK));
      }
    }
  }

  private static java.util.Set<String> union(Map<String, ?> a, Map<String, ?> b) {
    java.util.Set<String> keys = new TreeSet<>(a.keySet());
    keys.addAll(b.keySet());
    return keys;
  }

  private static <T> Map<String, T> byName(List<T> items, Function<T, String> name) {
    Map<String, T> m = new LinkedHashMap<>();
    items.forEach(i -> m.put(name.apply(i), i));
    return m;
  }

  private static String normalize(String sql) {
    return sql == null ? null : sql.strip().replaceAll("\\s+", " ");
  }

  private static String fmt(Duration d) {
    return d.isZero() ? "0" : dev.quiver.core.spec.Durations.format(d);
  }
}
