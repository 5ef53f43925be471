package dev.quiver.core.spec;

import static dev.quiver.core.spec.Names.problem;
import static dev.quiver.core.spec.Names.warning;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** Rules for entities and feature services. */
final class ServiceRules {
  private ServiceRules() {}

  static List<SpecProblem> entity(Entity e) {
    List<SpecProblem> out = new ArrayList<>();
    Names.check(e.name(), "name", "entity", out);
    if (!Names.valid(e.namespace())) {
      Names.check(e.namespace(), "namespace", "namespace", out);
    }
    if (e.joinKeys().isEmpty()) {
      out.add(
          problem(
              "join_keys",
              "missing or empty (expected: at least one key)",
              "e.g. join_keys: [{name: " + e.name() + "_id, type: STRING}]"));
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < e.joinKeys().size(); i++) {
      JoinKey k = e.joinKeys().get(i);
      String path = "join_keys[" + i + "]";
      Names.check(k.name(), path + ".name", "join key", out);
      if (!seen.add(k.name())) {
        out.add(
            problem(path + ".name", "duplicate join key '" + k.name() + "'", "name each key once"));
      }
      if (k.type().array()
          || k.type().scalar() == FeatureType.Scalar.FLOAT32
          || k.type().scalar() == FeatureType.Scalar.FLOAT64) {
        out.add(
            problem(
                path + ".type",
                k.type() + " cannot be a join key (keys are compared exactly)",
                "use STRING, INT64 or INT32"));
      }
    }
    return out;
  }

  static List<SpecProblem> service(
      FeatureService s, Function<String, Optional<FeatureView>> views) {
    List<SpecProblem> out = new ArrayList<>();
    Names.check(s.name(), "name", "feature service", out);
    if (!Names.valid(s.namespace())) {
      Names.check(s.namespace(), "namespace", "namespace", out);
    }
    if (s.features().isEmpty()) {
      out.add(
          problem(
              "features",
              "[] (expected: at least one feature)",
              "list features as view.feature or view:v3.feature"));
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < s.features().size(); i++) {
      FeatureRef ref = s.features().get(i);
      String path = "features[" + i + "]";
      if (!seen.add(ref.toString())) {
        out.add(warning(path, "'" + ref + "' is listed twice", "list each feature once"));
      }
      if (ref.view() == null || !Names.valid(ref.view()) || !Names.valid(ref.feature())) {
        out.add(
            problem(
                path,
                "'" + ref + "' is not a feature reference",
                "write view.feature or view:v3.feature, in lowercase"));
        continue;
      }
      Version pinned = null;
      if (ref.version() != null && !ref.version().equals("latest")) {
        try {
          pinned = Version.parse(ref.version());
        } catch (IllegalArgumentException e) {
          out.add(
              problem(
                  path,
                  "'" + ref.version() + "' in '" + ref + "' is not a version",
                  "pin a major (view:v3.feature), or leave the version out for the newest ACTIVE"));
          continue;
        }
      }
      Optional<FeatureView> view = views.apply(ref.view());
      if (view.isEmpty() || (pinned != null && pinned.major() != view.get().version().major())) {
        continue;
      }
      if (view.get().feature(ref.feature()).isEmpty()) {
        List<String> names = view.get().features().stream().map(Feature::name).toList();
        out.add(
            problem(
                path,
                "unknown feature '"
                    + ref.feature()
                    + "' in view "
                    + ref.view()
                    + ":"
                    + view.get().version(),
                Suggestions.closest(ref.feature(), names)
                        .map(c -> "did you mean " + c + "? ")
                        .orElse("")
                    + "Features: "
                    + String.join(", ", names)));
      }
    }
    return out;
  }
}
