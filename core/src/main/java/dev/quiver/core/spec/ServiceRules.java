package dev.quiver.core.spec;

import static dev.quiver.core.spec.Names.problem;
import static dev.quiver.core.spec.Names.warning;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
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
      FeatureService s,
      Function<String, Optional<FeatureView>> views,
      BiFunction<String, String, Optional<SpecParser.ServiceTarget>> elsewhere) {
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
      if (view.isPresent() && (pinned == null || pinned.major() == view.get().version().major())) {
        unknownFeature(ref, view.get(), path, out);
        continue;
      }
      // Not in the files (or another major pinned): resolved as the registry will on apply, so
      // that every bad reference is reported at once, each at its line.
      String versionRef = ref.version() == null ? "latest" : ref.version();
      Optional<SpecParser.ServiceTarget> target = elsewhere.apply(ref.view(), versionRef);
      if (target.isEmpty()) {
        continue;
      }
      if (target.get().view() != null) {
        unknownFeature(ref, target.get().view(), path, out);
      } else if (view.isPresent() && target.get().viewUnknown()) {
        out.add(
            problem(
                path,
                "'"
                    + ref
                    + "' pins "
                    + ref.view()
                    + ":"
                    + ref.version()
                    + ", which neither these files (they declare "
                    + ref.view()
                    + ":"
                    + view.get().version()
                    + ") nor the registry hold",
                "pin "
                    + ref.view()
                    + ":v"
                    + view.get().version().major()
                    + ", or leave the version out"));
      } else {
        out.add(
            problem(
                path,
                "'" + ref + "' cannot be read: " + target.get().problem(),
                target.get().viewUnknown()
                    ? "declare the view in these files or apply it first, or fix the name"
                    : "pin a version that exists and is not RETIRED, or leave the version out for"
                        + " the newest ACTIVE"));
      }
    }
    return out;
  }

  private static void unknownFeature(
      FeatureRef ref, FeatureView view, String path, List<SpecProblem> out) {
    if (view.feature(ref.feature()).isPresent()) {
      return;
    }
    List<String> names = view.features().stream().map(Feature::name).toList();
    out.add(
        problem(
            path,
            "unknown feature '" + ref.feature() + "' in view " + ref.view() + ":" + view.version(),
            Suggestions.closest(ref.feature(), names)
                    .map(c -> "did you mean " + c + "? ")
                    .orElse("")
                + "Features: "
                + String.join(", ", names)));
  }
}
