package dev.quiver.jobs.sink;

import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.Version;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The part of a feature view that the online sink needs on the task managers, carried in the sink
 * table's options as text so that the generated SQL is self-contained (it runs unchanged on a
 * cluster, with no registry lookup in the tasks).
 *
 * <p>Text forms: {@code key-columns = 'user_id:STRING,country:STRING'}; {@code features =
 * 'last_merchant:STRING;txn_count_1h:INT64:count:*:0:1h'} (row features {@code name:DTYPE},
 * aggregations {@code name:DTYPE:function:column:n:window}).
 */
public record SinkViewSpec(
    String namespace,
    String name,
    int major,
    long ttlMs,
    long tileMs,
    String keyColumns,
    String features)
    implements Serializable {

  /** The spec of {@code view} with entity join keys {@code keys}. */
  public static SinkViewSpec of(FeatureView view, List<JoinKey> keys) {
    List<String> k = new ArrayList<>();
    keys.forEach(j -> k.add(j.name() + ":" + j.type()));
    List<String> f = new ArrayList<>();
    for (Feature feature : view.features()) {
      Aggregation a = feature.aggregation();
      if (a == null) {
        f.add(feature.name() + ":" + feature.dtype());
      } else {
        f.add(
            String.join(
                ":",
                feature.name(),
                feature.dtype().toString(),
                a.function().specName(),
                a.column(),
                Integer.toString(a.n()),
                Long.toString(a.window().toMillis()) + "ms"));
      }
    }
    return new SinkViewSpec(
        view.namespace(),
        view.name(),
        view.version().major(),
        view.ttl().toMillis(),
        view.tileSize().toMillis(),
        String.join(",", k),
        String.join(";", f));
  }

  public List<JoinKey> keys() {
    List<JoinKey> out = new ArrayList<>();
    for (String part : keyColumns.split(",")) {
      String[] p = part.split(":", 2);
      if (p.length != 2) {
        throw new IllegalArgumentException(
            "key-columns: '" + keyColumns + "' (expected: name:TYPE[,name:TYPE...])");
      }
      out.add(new JoinKey(p[0].trim(), type(p[1])));
    }
    return out;
  }

  /** A feature view with these features (no source) for {@code FeatureWriter}. */
  public FeatureView toView() {
    List<Feature> out = new ArrayList<>();
    for (String entry : features.split(";")) {
      String[] p = entry.split(":");
      if (p.length == 2) {
        out.add(Feature.row(p[0], type(p[1])));
      } else if (p.length == 6) {
        AggregationFunction fn =
            AggregationFunction.parse(p[2])
                .orElseThrow(
                    () -> new IllegalArgumentException("features: function '" + p[2] + "'"));
        Duration window = Duration.ofMillis(Long.parseLong(p[5].replace("ms", "")));
        out.add(
            new Feature(
                p[0],
                type(p[1]),
                "",
                null,
                new Aggregation(p[3], fn, window, Integer.parseInt(p[4])),
                Map.of()));
      } else {
        throw new IllegalArgumentException(
            "features: '"
                + entry
                + "' (expected: name:DTYPE or name:DTYPE:function:column:n:window)");
      }
    }
    return FeatureView.builder(name)
        .namespace(namespace)
        .version(Version.of(major))
        .entities(keys().stream().map(JoinKey::name).toList())
        .features(out)
        .ttl(Duration.ofMillis(ttlMs))
        .tileSize(Duration.ofMillis(tileMs))
        .build();
  }

  private static FeatureType type(String text) {
    return FeatureType.parse(text)
        .orElseThrow(() -> new IllegalArgumentException("type: '" + text + "' is not a type"));
  }
}
