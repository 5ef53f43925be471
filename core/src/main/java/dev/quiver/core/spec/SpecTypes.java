package dev.quiver.core.spec;

import dev.quiver.core.spec.SpecTree.Node;
import dev.quiver.core.spec.SpecTree.ScalarNode;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Reading and explaining {@link FeatureType}s in specs. */
final class SpecTypes {
  static final List<String> NAMES =
      Arrays.stream(FeatureType.Scalar.values()).map(Enum::name).toList();

  static final String LIST = "Types: " + String.join(", ", NAMES) + ", ARRAY<type>";

  private SpecTypes() {}

  /** The type at {@code path}, or empty after reporting it with a "did you mean". */
  static Optional<FeatureType> read(Node n, Problems problems, String path) {
    if (SpecTree.unreadable(n)) {
      return Optional.empty();
    }
    if (!(n instanceof ScalarNode s) || s.type() != ScalarNode.Type.STRING) {
      problems.error(path, n.describe() + " (expected: a type)", LIST);
      return Optional.empty();
    }
    Optional<FeatureType> t = FeatureType.parse(s.text());
    if (t.isEmpty()) {
      problems.error(path, "'" + s.text() + "' is not a type", hint(s.text()));
    }
    return t;
  }

  /** {@code did you mean FLOAT64? Types: ...}. */
  static String hint(String wrong) {
    String inner = wrong.replaceAll("(?i)^(array|list)<(.*)>$", "$2");
    return Suggestions.closest(inner, NAMES).map(c -> "did you mean " + c + "? ").orElse("") + LIST;
  }
}
