package dev.quiver.serving;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A dependency that {@code GET /v1/health} reports beside the registry and the online store, but
 * that lookups do not need: the writers upstream of the online store (in {@code quiver local}, the
 * materialization jobs the server runs). When one is not {@code UP}, lookups still answer, with
 * values that stop advancing, so it is named in {@code failing} and makes the top-level status
 * {@code DEGRADED} without taking the server out of readiness.
 */
public interface UpstreamCheck {
  /** The check's name in {@code checks} and {@code failing} (e.g. {@code materialization}). */
  String name();

  /**
   * The current state; called on every readiness probe, which gives it at most a second (then it is
   * reported as not answering). Must not block the calling thread.
   */
  CompletableFuture<Result> check();

  /**
   * A check's outcome.
   *
   * @param up whether the dependency is working
   * @param error why not, one line (null when up)
   * @param details further fields of {@code checks.<name>}, serialized as JSON (e.g. each job)
   */
  record Result(boolean up, String error, Map<String, Object> details) {
    public Result {
      details =
          details == null
              ? Map.of()
              : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(details));
      if (!up && error == null) {
        throw new IllegalArgumentException("error: null (expected: why the check is not up)");
      }
    }
  }
}
