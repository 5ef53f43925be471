package dev.quiver.catalog;

import dev.quiver.core.registry.RegistryException;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.SpecException;
import dev.quiver.core.spec.SpecProblem;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.exceptions.CatalogException;

/**
 * Converts registry and spec failures to Flink's exceptions, once, for the whole catalog: bad specs
 * and refused changes become {@link ValidationException} (the user's statement is wrong), anything
 * else a {@link CatalogException}. Spec field paths such as {@code features[2].dtype} are shown
 * with the column they belong to.
 */
final class CatalogErrors {
  private static final Pattern FEATURE_PATH = Pattern.compile("^features\\[(\\d+)]");

  private CatalogErrors() {}

  static RuntimeException convert(RuntimeException e, String what, FeatureView view) {
    if (e instanceof SpecException se) {
      return new ValidationException(render(what, se.problems(), view), se);
    }
    if (e instanceof RegistryException re) {
      String field = re.field() == null ? "" : " [" + columnPath(re.field(), view) + "]";
      return switch (re.kind()) {
        case INVALID, BREAKING_CHANGE ->
            new ValidationException(what + ": " + re.getMessage() + field, re);
        case NOT_FOUND, CONFLICT, GONE ->
            new CatalogException(what + ": " + re.getMessage() + field, re);
      };
    }
    return e;
  }

  static String render(String what, List<SpecProblem> problems, FeatureView view) {
    List<SpecProblem> errors = problems.stream().filter(SpecProblem::isError).toList();
    StringBuilder sb =
        new StringBuilder(what)
            .append(" (")
            .append(errors.size())
            .append(errors.size() == 1 ? " problem):" : " problems):");
    for (SpecProblem p : errors) {
      sb.append("\n  ")
          .append(columnPath(p.path(), view))
          .append(": ")
          .append(p.message())
          .append(p.hint().isEmpty() ? "" : "; " + p.hint());
    }
    return sb.toString();
  }

  /** {@code features[2].dtype} → {@code column 'f2' (features[2].dtype)}. */
  static String columnPath(String path, FeatureView view) {
    Matcher m = FEATURE_PATH.matcher(path);
    if (view != null && m.find()) {
      int i = Integer.parseInt(m.group(1));
      List<Feature> fs = view.features();
      if (i >= 0 && i < fs.size()) {
        return "column '" + fs.get(i).name() + "' (" + path + ")";
      }
    }
    return path;
  }
}
