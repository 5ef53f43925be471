package dev.quiver.core.spec;

import dev.quiver.core.spec.SpecTree.Node;
import dev.quiver.core.spec.SpecTree.ScalarNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a feature view document into a {@link ViewDraft}: every field checked for shape and type,
 * features not yet typed (aggregation output types need the resolved source).
 */
final class ViewReader {
  static final Set<String> KEYS =
      Set.of(
          "kind",
          "namespace",
          "name",
          "version",
          "description",
          "entities",
          "source",
          "features",
          "transformations",
          "ttl_seconds",
          "ttl",
          "sla_freshness_seconds",
          "sla_freshness",
          "watermark_expr",
          "watermark_delay",
          "max_out_of_orderness",
          "allowed_lateness",
          "tile_size",
          "availability_delay",
          "status",
          "online",
          "offline",
          "owner",
          "tags",
          "feature_service");

  static final String TTL_HINT =
      "set how long a value stays valid, e.g. ttl_seconds: 604800 or ttl: 7d";

  private ViewReader() {}

  static ViewDraft read(Fields f, String defaultNamespace) {
    f.allowOnly(KEYS, "a feature view");
    Problems p = f.problems();
    Map<String, String> aliases = new LinkedHashMap<>();
    String namespace = SourceReader.orDefault(f.text("namespace"), defaultNamespace);
    String name = f.requiredText("name", "name the view, e.g. name: user_activity_metrics");
    Version version = version(f);
    List<String> entities = List.of();
    if (f.require("entities", "name the entities the view describes, e.g. entities: [user]")) {
      entities = f.texts("entities", "entities: [user]");
    }
    Duration ttl = seconds(f, "ttl", true, aliases);
    if (ttl == null && !f.has("ttl") && !f.has("ttl_seconds")) {
      p.error("ttl_seconds", "missing (required)", TTL_HINT);
    }
    Duration sla = seconds(f, "sla_freshness", false, aliases);
    if (f.has("watermark_delay") && f.has("max_out_of_orderness")) {
      p.error(
          "max_out_of_orderness",
          "given together with watermark_delay (they are the same setting)",
          "keep only watermark_delay");
    }
    String delayKey = f.has("max_out_of_orderness") ? "max_out_of_orderness" : "watermark_delay";
    aliases.put("watermark_delay", delayKey);
    Duration watermarkDelay = f.duration(delayKey);

    Object source = null;
    Node sourceNode = f.node("source");
    if (sourceNode instanceof ScalarNode s && s.type() == ScalarNode.Type.STRING) {
      source = s.text();
    } else if (sourceNode != null) {
      source =
          Fields.of(sourceNode, p, "source", "source: transactions, or an inline source mapping")
              .map(sf -> SourceReader.read(sf, namespace))
              .orElse(null);
    }

    List<ViewDraft.FeatureDraft> features = new ArrayList<>();
    if (f.require(
        "features",
        "declare at least one feature, e.g. features: [{name: amount, dtype: FLOAT64}]")) {
      List<Node> items = f.list("features", "[{name: user_7d_txn_count, dtype: INT64}]");
      for (int i = 0; i < items.size(); i++) {
        String path = "features[" + i + "]";
        Fields.of(items.get(i), p, path, "{name: user_7d_txn_count, dtype: INT64}")
            .ifPresent(ff -> features.addAll(FeatureReader.read(ff, path)));
      }
    }
    List<Transformation> transformations = transformations(f);

    ViewStatus status = null;
    String statusText = f.text("status");
    if (statusText != null) {
      try {
        status = ViewStatus.valueOf(statusText.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        p.error(
            "status",
            "'" + statusText + "' is not a status",
            Suggestions.closest(
                        statusText.toUpperCase(Locale.ROOT),
                        Arrays.stream(ViewStatus.values()).map(Enum::name).toList())
                    .map(c -> "did you mean " + c + "? ")
                    .orElse("")
                + "Statuses: DRAFT, ACTIVE, DEPRECATED, RETIRED");
      }
    }
    Boolean online = f.bool("online");
    Boolean offline = f.bool("offline");
    return new ViewDraft(
        namespace,
        SourceReader.orDefault(name, ""),
        version,
        entities,
        source,
        features,
        transformations,
        ttl,
        sla,
        f.text("watermark_expr"),
        watermarkDelay,
        f.duration("allowed_lateness"),
        f.duration("tile_size"),
        f.duration("availability_delay"),
        status,
        online == null || online,
        offline == null || offline,
        f.text("owner"),
        f.text("description"),
        f.scalarMap("tags"),
        f.text("feature_service"),
        aliases);
  }

  private static Version version(Fields f) {
    String text = f.text("version");
    if (text == null) {
      return Version.of(1);
    }
    try {
      return Version.parse(text);
    } catch (IllegalArgumentException e) {
      f.problems()
          .error(
              "version",
              "'" + text + "' is not a version",
              "write v<major> (e.g. version: v3); the registry adds revisions (v3.1) itself");
      return Version.of(1);
    }
  }

  /**
   * Reads {@code <base>_seconds: 60} or {@code <base>: 1m}; exactly one may be given. Records in
   * {@code aliases} which spelling the author used, so problems point at it.
   */
  private static Duration seconds(
      Fields f, String base, boolean positive, Map<String, String> aliases) {
    String secondsKey = base + "_seconds";
    boolean hasSeconds = f.has(secondsKey);
    boolean hasDuration = f.has(base);
    aliases.put(secondsKey, hasDuration && !hasSeconds ? base : secondsKey);
    if (hasSeconds && hasDuration) {
      f.problems()
          .error(
              base, "given together with " + secondsKey, "keep one: " + secondsKey + " or " + base);
      return null;
    }
    if (hasDuration) {
      return f.duration(base);
    }
    if (!hasSeconds) {
      return null;
    }
    Long s = f.integer(secondsKey, "write a whole number of seconds, or " + base + ": 7d");
    if (s == null) {
      return null;
    }
    if (s < 0 || (positive && s == 0)) {
      f.problems()
          .error(
              secondsKey,
              s + " (expected: " + (positive ? "> 0" : ">= 0") + ")",
              positive
                  ? TTL_HINT
                  : "write a whole number of seconds >= 0, e.g. " + secondsKey + ": 60");
      return null;
    }
    return Duration.ofSeconds(s);
  }

  private static List<Transformation> transformations(Fields f) {
    List<Transformation> out = new ArrayList<>();
    List<Node> items = f.list("transformations", "[{language: sql, code: \"SELECT ...\"}]");
    if (items == null) {
      return out;
    }
    for (int i = 0; i < items.size(); i++) {
      String path = "transformations[" + i + "]";
      Fields.of(items.get(i), f.problems(), path, "{language: sql, code: \"SELECT ...\"}")
          .ifPresent(
              t -> {
                t.allowOnly(Set.of("language", "code"), "a transformation");
                String lang = t.requiredText("language", "write language: sql (or flink)");
                String code = t.requiredText("code", "write the Flink SQL under code: |");
                out.add(
                    new Transformation(
                        SourceReader.orDefault(lang, ""), SourceReader.orDefault(code, "")));
              });
    }
    return out;
  }
}
