package dev.quiver.serving;

import com.linecorp.armeria.common.QueryParams;
import dev.quiver.core.spec.Suggestions;
import java.util.List;

/** The query parameters a route takes: the registry's routes and {@code /v1/health}. */
final class KnownParams {
  private KnownParams() {}

  /**
   * Refuses a query parameter the route does not take: Armeria ignores them, so {@code
   * ?stauts=ACTIVE} listed every status and {@code ?namespce=ml} read the default namespace.
   */
  static void only(QueryParams query, String... known) {
    List<String> names = List.of(known);
    for (String name : query.names()) {
      if (!names.contains(name)) {
        throw ApiException.badRequest(
            name,
            "unknown query parameter '"
                + name
                + "'"
                + Suggestions.didYouMean(name, names)
                + " (expected: "
                + (names.isEmpty() ? "none" : String.join(", ", names))
                + ")");
      }
      // Armeria's @Param takes the first value: ?tag=a&tag=b silently filtered on a alone
      int given = query.getAll(name).size();
      if (given > 1) {
        throw ApiException.badRequest(
            name,
            "query parameter '"
                + name
                + "' given "
                + given
                + " times (expected: at most once; each filter takes one value)");
      }
    }
  }
}
