package dev.quiver.offline;

import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.Suggestions;
import java.util.List;
import java.util.Objects;

/**
 * Features of one resolved view version to put in a training set.
 *
 * @param view the view at the version to read (pinned or resolved from "latest" by the caller)
 * @param features feature names of that view; empty means all of them
 * @param joinKeys the join keys of the view's entities, in the table's order
 */
public record FeatureSelection(FeatureView view, List<String> features, List<JoinKey> joinKeys) {
  public FeatureSelection {
    Objects.requireNonNull(view, "view");
    features =
        features == null || features.isEmpty()
            ? view.features().stream().map(f -> f.name()).toList()
            : List.copyOf(features);
    joinKeys = joinKeys == null ? OfflineTables.joinKeys(view) : List.copyOf(joinKeys);
    for (String f : features) {
      if (view.feature(f).isEmpty()) {
        List<String> known = view.features().stream().map(x -> x.name()).toList();
        throw new IllegalArgumentException(
            "features: unknown feature '"
                + f
                + "' in view "
                + view.qualifiedName()
                + ":"
                + view.version()
                + Suggestions.didYouMean(f, known)
                + " (known: "
                + String.join(", ", known)
                + ")");
      }
    }
  }

  public static FeatureSelection all(FeatureView view) {
    return new FeatureSelection(view, List.of(), null);
  }

  /** The output column of a feature: {@code <view>__<feature>}. */
  public String column(String feature) {
    return view.name() + "__" + feature;
  }

  /** Join key names, the entity group this view is swept in. */
  public List<String> keyNames() {
    return joinKeys.stream().map(JoinKey::name).toList();
  }
}
