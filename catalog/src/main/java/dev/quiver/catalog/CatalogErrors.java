package dev.quiver.catalog;

import dev.quiver.core.registry.RegistryException;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.SpecException;
import dev.quiver.core.spec.SpecProblem;
import java.util.List;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.exceptions.CatalogException;

/**
 * Converts registry and spec failures to Flink's exceptions, once, for the whole catalog: bad specs
 * and refused changes become {@link ValidationException} (the user's statement is wrong), anything
 * else a {@link CatalogException}. Spec problems are shown in SQL words ({@link SqlSpelling}): the
 * column or option, not the spec's field path.
 */
final class CatalogErrors {
  private CatalogErrors() {}

  static RuntimeException convert(RuntimeException e, String what, FeatureView view) {
    if (e instanceof SpecException se) {
      return new ValidationException(render(what, se.problems(), view), se);
    }
    if (e instanceof RegistryException re) {
      String field = re.field() == null ? "" : " [" + SqlSpelling.element(re.field(), view) + "]";
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
      sb.append("\n  ").append(SqlSpelling.describe(p, view));
    }
    return sb.toString();
  }
}
