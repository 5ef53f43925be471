package dev.quiver.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.circuitbreaker.CircuitState;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.quiver.core.registry.FeatureRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /v1/health}: liveness (the process answers) and readiness (the online store answers
 * within a second, and the store's circuit breaker is closed). 200 when ready, 503 naming each
 * failing dependency otherwise (a half-open breaker too, as {@code DEGRADED}). A registry that does
 * not answer within a second is named in {@code failing} with status {@code DOWN} and makes the
 * top-level status {@code DEGRADED}, but leaves readiness alone: lookups of resolved feature lists
 * keep answering from the plan cache, and only registry calls fail (503 REGISTRY_UNAVAILABLE); a
 * successful probe of the store is the breaker's trial read when one is due; {@code ?probe=live}
 * answers liveness only, {@code ?probe=ready} (the default) readiness; another probe is a 400
 * naming it. {@link UpstreamCheck}s (the materialization jobs of {@code quiver local}) are reported
 * too: one that is not up is named in {@code failing} and makes the status {@code DEGRADED}, but
 * leaves readiness alone (lookups still answer, with values that stop advancing).
 */
final class HealthService implements HttpService {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final FeatureRegistry registry;
  private final FeatureSource source;
  private final StoreGuard guard;
  private final List<UpstreamCheck> upstream;

  HealthService(
      FeatureRegistry registry,
      FeatureSource source,
      StoreGuard guard,
      List<UpstreamCheck> upstream) {
    this.registry = registry;
    this.source = source;
    this.guard = guard;
    this.upstream = List.copyOf(upstream);
  }

  @Override
  public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
    // a misspelt or repeated parameter (?prob=live, ?probe=live&probe=ready) silently got the
    // readiness check or the first value: a liveness probe's 503 restarts a healthy process, a
    // readiness probe's 200 sends traffic to one that is not ready
    KnownParams.only(ctx.queryParams(), "probe");
    String probe = ctx.queryParam("probe");
    if ("live".equals(probe)) {
      return HttpResponse.ofJson(JSON.createObjectNode().put("status", "UP").put("live", true));
    }
    if (probe != null && !probe.equals("ready")) {
      // a typo (probe=liveness) silently got the readiness check, whose 503 when a dependency is
      // down would make a liveness probe restart a healthy process
      throw ApiException.badRequest(
          "probe",
          "probe: '"
              + probe
              + "' (expected: live for liveness only, or ready, the default, for readiness)");
    }
    CompletableFuture<String> reg =
        CompletableFuture.supplyAsync(
                () -> {
                  registry.listNamespaces();
                  return (String) null;
                },
                ctx.blockingTaskExecutor())
            .orTimeout(1, TimeUnit.SECONDS)
            .exceptionally(HealthService::describe);
    CompletableFuture<StoreCheck> store;
    try {
      store =
          source
              .check()
              .copy()
              .orTimeout(1, TimeUnit.SECONDS)
              .thenApply(v -> StoreCheck.of(guard.probeSucceeded()))
              .exceptionally(t -> new StoreCheck("DOWN", describe(t), guard.state()));
    } catch (RuntimeException e) {
      store = CompletableFuture.completedFuture(new StoreCheck("DOWN", describe(e), guard.state()));
    }
    CompletableFuture<StoreCheck> s = store;
    List<CompletableFuture<UpstreamCheck.Result>> ups = new ArrayList<>();
    for (UpstreamCheck u : upstream) {
      CompletableFuture<UpstreamCheck.Result> f;
      try {
        f = u.check().copy();
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      ups.add(
          f.orTimeout(1, TimeUnit.SECONDS)
              .exceptionally(t -> new UpstreamCheck.Result(false, describe(t), null)));
    }
    CompletableFuture<Void> allUps = CompletableFuture.allOf(ups.toArray(new CompletableFuture[0]));
    return HttpResponse.of(
        CompletableFuture.allOf(reg, s, allUps)
            .thenApply(
                done -> {
                  String r = reg.join();
                  StoreCheck o = s.join();
                  ObjectNode body = JSON.createObjectNode();
                  List<String> failing = new ArrayList<>();
                  ObjectNode checks = body.putObject("checks");
                  check(checks, "registry", r == null ? "UP" : "DOWN", r, failing);
                  check(checks, "online_store", o.status(), o.error(), failing)
                      .put("circuit_breaker", o.breaker().name());
                  // The registry does not take the server out of readiness: every server shares
                  // it, and lookups of the feature lists a server has resolved keep answering
                  // from its plan cache; unready, a registry outage took every server out of
                  // rotation at once.
                  boolean ready = !failing.contains("online_store");
                  boolean down = o.status().equals("DOWN");
                  boolean upstreamFailing = r != null;
                  for (int i = 0; i < upstream.size(); i++) {
                    UpstreamCheck.Result u = ups.get(i).join();
                    ObjectNode c =
                        check(
                            checks,
                            upstream.get(i).name(),
                            u.up() ? "UP" : "DEGRADED",
                            u.up() ? null : u.error(),
                            failing);
                    u.details().forEach(c::putPOJO);
                    upstreamFailing |= !u.up();
                  }
                  body.put(
                      "status",
                      !ready ? (down ? "DOWN" : "DEGRADED") : upstreamFailing ? "DEGRADED" : "UP");
                  body.put("live", true);
                  body.put("ready", ready);
                  body.putPOJO("failing", failing);
                  try {
                    return HttpResponse.of(
                        ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE,
                        MediaType.JSON_UTF_8,
                        JSON.writeValueAsBytes(body));
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                }));
  }

  /**
   * The online store's check: {@code UP}; {@code DOWN} (the store failed the probe, or the breaker
   * is open); or {@code DEGRADED}: the store answered the probe but the breaker is half-open with a
   * lookup's trial read in flight, so lookups still answer {@code STALE}. Both of the latter are
   * not ready.
   */
  private record StoreCheck(String status, String error, CircuitState breaker) {
    static StoreCheck of(CircuitState breaker) {
      return switch (breaker) {
        case CLOSED -> new StoreCheck("UP", null, breaker);
        case HALF_OPEN ->
            new StoreCheck(
                "DEGRADED",
                "circuit breaker half-open: a trial read is probing the store after read failures;"
                    + " until it succeeds lookups answer STALE from last-known-good",
                breaker);
        case OPEN, FORCED_OPEN ->
            new StoreCheck(
                "DOWN",
                "circuit breaker open after recent read failures: lookups answer STALE from"
                    + " last-known-good; a trial read (a lookup or this probe) is let through"
                    + " after server.breaker.open-window",
                breaker);
      };
    }
  }

  private static ObjectNode check(
      ObjectNode checks, String name, String status, String error, List<String> failing) {
    ObjectNode c = checks.putObject(name);
    c.put("status", status);
    if (error != null) {
      c.put("error", error);
      failing.add(name);
    }
    return c;
  }

  private static String describe(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && (c instanceof java.util.concurrent.CompletionException)) {
      c = c.getCause();
    }
    return c instanceof java.util.concurrent.TimeoutException
        ? "no answer within 1 s"
        : c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
  }
}
