package dev.quiver.offline;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A point-in-time training set (or a retrieval without labels) to build.
 *
 * @param features the selected features, from one or more views and entities
 * @param labels label rows; null when {@code spine} is given
 * @param spine reference times for a retrieval without labels; null when {@code labels} is given
 * @param output directory that receives the Parquet parts ({@code part-00000.parquet}, one per
 *     sweep subtask) and {@code _manifest.json}
 * @param availabilityGuard use an event at t only if its {@code _ingested_at <= t}
 * @param pinnedSnapshots offline table name ({@code ns.view_vN}) → Iceberg snapshot id to read;
 *     tables not named are read at their current snapshot
 */
public record TrainingSetRequest(
    List<FeatureSelection> features,
    LabelSource labels,
    Spine spine,
    String output,
    boolean availabilityGuard,
    Map<String, Long> pinnedSnapshots) {
  public TrainingSetRequest {
    features = List.copyOf(features);
    if (features.isEmpty()) {
      throw new IllegalArgumentException("features: [] (expected: at least one feature)");
    }
    // each feature is one output column <view>__<feature>: two versions of a view (or views of
    // one name in two namespaces) may not both give one
    Map<String, String> columns = new HashMap<>();
    for (FeatureSelection sel : features) {
      for (String f : sel.features()) {
        String ref = sel.view().qualifiedName() + ":" + sel.view().version() + "." + f;
        String other = columns.putIfAbsent(sel.column(f), ref);
        if (other != null && !other.equals(ref)) {
          throw new IllegalArgumentException(
              "features: "
                  + other
                  + " and "
                  + ref
                  + " would both be the column "
                  + sel.column(f)
                  + " (expected: one version of a feature per training set; export the other"
                  + " version separately, and join the two on the label columns to compare)");
        }
      }
    }
    if ((labels == null) == (spine == null)) {
      throw new IllegalArgumentException(
          "labels: exactly one of a label source or reference times is needed (got "
              + (labels == null ? "neither" : "both")
              + ")");
    }
    if (spine != null) {
      // checked here, with the request, so that a submission is refused before any job runs
      List<List<String>> keys =
          features.stream().map(FeatureSelection::keyNames).distinct().toList();
      if (keys.size() > 1) {
        throw new IllegalArgumentException(
            "features: a retrieval without labels needs features of one entity (got views keyed by "
                + keys
                + "); pass label rows to combine entities");
      }
      // the output holds the join keys, then the reference time as column "timestamp"
      FeatureSelection first = features.get(0);
      if (first.keyNames().contains(SpineLabels.TIME_COLUMN)) {
        throw new IllegalArgumentException(
            "features: join key '"
                + SpineLabels.TIME_COLUMN
                + "' of view "
                + first.view().qualifiedName()
                + " clashes with the '"
                + SpineLabels.TIME_COLUMN
                + "' column (the reference time) of a retrieval without labels; pass label rows"
                + " instead (--labels, with their time column named otherwise by"
                + " --timestamp-column), or name the entity's join key otherwise");
      }
    }
    Objects.requireNonNull(output, "output");
    pinnedSnapshots = pinnedSnapshots == null ? Map.of() : Map.copyOf(pinnedSnapshots);
  }

  public TrainingSetRequest withPinnedSnapshots(Map<String, Long> pinned) {
    return new TrainingSetRequest(features, labels, spine, output, availabilityGuard, pinned);
  }

  public TrainingSetRequest withOutput(String out) {
    return new TrainingSetRequest(features, labels, spine, out, availabilityGuard, pinnedSnapshots);
  }
}
