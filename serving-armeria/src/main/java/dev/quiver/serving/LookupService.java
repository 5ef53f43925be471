package dev.quiver.serving;

import com.github.benmanes.caffeine.cache.AsyncCacheLoader;
import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.ExchangeType;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.util.TimeoutMode;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.RoutingContext;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.registry.RegistryException;
import dev.quiver.core.registry.store.RegistryStoreException;
import dev.quiver.core.spec.Durations;
import dev.quiver.core.spec.FeatureRef;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.online.FeatureWriter;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/features:lookup} and {@code POST /v1/features:batchLookup}. Parses the body,
 * resolves the feature list through a short-lived plan cache (registry calls run on the registry
 * threads, only on a miss), applies the per-key token bucket, reads each view version through the
 * {@link ReadPath}, and streams the answer. No step blocks the event loop; every wait is bounded by
 * the request's {@code timeout_ms}.
 */
final class LookupService implements HttpService, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LookupService.class);
  private static final ResponseHeaders OK_JSON =
      ResponseHeaders.of(HttpStatus.OK, HttpHeaderNames.CONTENT_TYPE, MediaType.JSON_UTF_8);

  private final FeatureResolver resolver;
  private final ReadPath readPath;
  private final KeyThrottle throttle;
  private final ServingMetrics metrics;
  private final long defaultTimeoutMs;
  private final long serverTimeoutMs;
  private final AsyncLoadingCache<PlanKey, Resolution> plans;
  private final ExecutorService registryExecutor = FeatureResolver.newRegistryExecutor();
  // whether the last plan refresh found the registry down (to log an outage once, not per plan)
  private final AtomicBoolean registryDown = new AtomicBoolean();

  LookupService(
      FeatureRegistry registry, ReadPath readPath, ServerOptions options, ServingMetrics metrics) {
    this.resolver =
        new FeatureResolver(
            registry, options.cacheMaxStaleness(), options.planCacheTtl(), registryExecutor);
    this.readPath = readPath;
    this.throttle = new KeyThrottle(options.perKeyRate(), options.perKeyBurst());
    this.metrics = metrics;
    this.defaultTimeoutMs = options.defaultLookupTimeout().toMillis();
    this.serverTimeoutMs = options.requestTimeout().toMillis();
    // Refresh-ahead: after plan-cache.ttl the next request still gets the cached plan while a
    // registry thread re-resolves it, so the hot path never waits for the registry once warm.
    this.plans =
        Caffeine.newBuilder()
            .maximumSize(10_000)
            .refreshAfterWrite(options.planCacheTtl())
            // Dropped when not used for 30 TTLs. Not expireAfterWrite: a plan whose refreshes wait
            // for a registry that does not answer (5 s each, four threads) must stay while used.
            .expireAfterAccess(options.planCacheTtl().multipliedBy(30))
            // Maintenance (draining the read buffer every few lookups) on the calling event loop:
            // with the blocking pool as the cache's executor each drain was a thread hand-off.
            // Loads and refreshes run on the registry threads (registry calls are JDBC).
            .executor(Runnable::run)
            .buildAsync(
                new AsyncCacheLoader<PlanKey, Resolution>() {
                  @Override
                  public CompletableFuture<Resolution> asyncLoad(PlanKey k, Executor ignored) {
                    return CompletableFuture.supplyAsync(
                        () -> resolveOnBlockingThread(k), registryExecutor);
                  }

                  @Override
                  public CompletableFuture<Resolution> asyncReload(
                      PlanKey k, Resolution old, Executor ignored) {
                    return CompletableFuture.supplyAsync(
                        () -> reresolveOnBlockingThread(k, old), registryExecutor);
                  }
                });
  }

  /**
   * A refresh of a cached plan. While the registry database does not answer, the plan it has is
   * kept (and counts as refreshed): the lookups of feature lists this server has resolved keep
   * answering through a registry outage of any length. (A failed refresh also kept it, but only
   * until the entry expired, 30 plan-cache TTLs after its last successful resolve: 30 s into a
   * PostgreSQL outage every lookup failed; and Caffeine logged each failed refresh with its trace.)
   * Other failures still fail the refresh, and the unused plan expires.
   */
  private Resolution reresolveOnBlockingThread(PlanKey k, Resolution old) {
    try {
      Resolution fresh = resolveOnBlockingThread(k);
      if (registryDown.compareAndSet(true, false)) {
        LOG.info("the registry answers again; cached lookup plans are refreshed from it");
      }
      return fresh;
    } catch (RegistryStoreException e) {
      if (registryDown.compareAndSet(false, true)) {
        LOG.warn(
            "the registry does not answer ({}); lookups keep the plans this server has resolved"
                + " until it is back, new feature lists cannot be resolved meanwhile",
            e.getMessage());
      }
      return old;
    }
  }

  /** Stops the registry threads (after the server has stopped serving). */
  @Override
  public void close() {
    registryExecutor.shutdown();
  }

  /** Unary: Armeria aggregates the body in its decoder instead of streaming it to us. */
  @Override
  public ExchangeType exchangeType(RoutingContext routingContext) {
    return ExchangeType.UNARY;
  }

  @Override
  public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
    if (ctx.query() != null) {
      refuseQuery(ctx);
    }
    JsonBodyType.check(req.headers());
    CompletableFuture<AggregatedHttpRequest> agg = req.aggregate();
    if (!agg.isDone() || agg.isCompletedExceptionally()) {
      return HttpResponse.of(agg.thenCompose(a -> handle(ctx, a)));
    }
    // The common case: the body is here and (embedded store, plan cached) the whole lookup runs
    // on this event loop, so the answer is returned directly, without a deferred response.
    CompletableFuture<HttpResponse> res;
    try {
      res = handle(ctx, agg.join());
    } catch (RuntimeException e) {
      return HttpResponse.ofFailure(e);
    }
    return res.isDone() && !res.isCompletedExceptionally() ? res.join() : HttpResponse.of(res);
  }

  /**
   * A lookup takes no query parameter: {@code ?timeout_ms=5} or {@code ?as_of=...} was ignored, and
   * the answer looked as if the client had been heard.
   */
  private static void refuseQuery(ServiceRequestContext ctx) {
    for (String name : ctx.queryParams().names()) {
      throw ApiException.badRequest(
          name,
          "unknown query parameter '"
              + name
              + "' (expected: none; a lookup's options are fields of its JSON body:"
              + " options.timeout_ms, options.consistency, as_of, namespace)");
    }
  }

  private CompletableFuture<HttpResponse> handle(
      ServiceRequestContext ctx, AggregatedHttpRequest agg) {
    LookupRequest r = LookupRequest.parse(agg.content());
    long timeoutMs = r.timeoutMs() > 0 ? r.timeoutMs() : defaultTimeoutMs;
    if (timeoutMs + 1000 > serverTimeoutMs) {
      ctx.setRequestTimeout(TimeoutMode.SET_FROM_START, Duration.ofMillis(timeoutMs + 1000));
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    PlanKey key = new PlanKey(r.namespace(), r.entityName(), r.features(), r.featureService());
    CompletableFuture<Resolution> plan = plans.getIfPresent(key);
    if (plan == null) {
      // A new feature list of a known entity usually resolves from the resolver's registry caches
      // right here, without a thread hop; only a real registry round trip goes to the registry
      // threads.
      try {
        LookupPlan p =
            resolver.resolve(r.namespace(), r.entityName(), r.features(), r.featureService(), true);
        plan = CompletableFuture.completedFuture(new Resolution(p, null));
        plans.put(key, plan);
      } catch (FeatureResolver.NeedsRegistry e) {
        plan = plans.get(key);
      }
    }
    if (plan.isDone() && !plan.isCompletedExceptionally()) {
      // The common case (a cached plan): no dependent stage, executed right here.
      Resolution res = plan.join();
      if (res.error() != null) {
        plans.synchronous().invalidate(key);
        throw res.error();
      }
      return execute(ctx, r, res.plan(), deadline);
    }
    if (!plan.isDone()) {
      plan =
          plan.copy()
              .orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
              .exceptionally(
                  e -> {
                    if (e instanceof TimeoutException || e.getCause() instanceof TimeoutException) {
                      throw new ApiException(
                          HttpStatus.SERVICE_UNAVAILABLE,
                          "TIMEOUT",
                          "options.timeout_ms",
                          "resolving the features in the registry took longer than "
                              + timeoutMs
                              + " ms; retry or raise options.timeout_ms");
                    }
                    throw e instanceof RuntimeException re ? re : new RuntimeException(e);
                  });
    }
    return plan.thenCompose(
        res -> {
          if (res.error() != null) {
            // Not cached: the next request resolves again (the feature may be registered by then).
            plans.synchronous().invalidate(key);
            throw res.error();
          }
          return execute(ctx, r, res.plan(), deadline);
        });
  }

  /**
   * The cache's loader. A request's own mistake (an unknown entity, feature or version) is a value
   * here, not a failed load: Caffeine logs every failed asynchronous load with its stack trace, and
   * a bad request must cost one 4xx, not a trace in the server log. Other failures (the registry is
   * down) still fail the load and are logged.
   */
  private Resolution resolveOnBlockingThread(PlanKey k) {
    try {
      return new Resolution(
          resolver.resolve(k.namespace(), k.entity(), k.features(), k.service(), false), null);
    } catch (ApiException e) {
      return new Resolution(null, e);
    } catch (RegistryException e) {
      // a retired version (GONE), a view deleted meanwhile (NOT_FOUND): also the request's answer.
      // As a failed load it was logged with its trace, and a failed refresh kept the old plan, so
      // a retired version was still served for 30 plan-cache TTLs.
      return new Resolution(null, ApiErrors.toApiException(e));
    }
  }

  /** A resolved plan, or the request error that resolving it gave (exactly one is non-null). */
  private record Resolution(LookupPlan plan, ApiException error) {}

  private CompletableFuture<HttpResponse> execute(
      ServiceRequestContext ctx, LookupRequest r, LookupPlan plan, long deadline) {
    List<List<Object>> keys = EntityKeys.parse(plan.entity(), r.keys());
    if (r.asOf() != null) {
      requireHeld(r.asOf(), plan.reads(), System.currentTimeMillis());
    }
    if (throttle.enabled()) {
      takeTokens(r, keys);
    }
    // Leave a little of the budget for the last-known-good fallback and the encoding.
    long storeBudget = Math.max(1, (deadline - System.nanoTime()) * 9 / 10);
    List<LookupPlan.ViewRead> reads = plan.reads();
    EventExecutor timer = ctx.eventLoop().withoutContext();
    if (reads.size() == 1) {
      CompletableFuture<KeyResult[]> read =
          readPath.read(reads.get(0), keys, r.asOf(), r.strong(), storeBudget, timer);
      if (read.isDone() && !read.isCompletedExceptionally()) {
        // Near-cache hits and inline reads: answered without a dependent stage.
        return CompletableFuture.completedFuture(
            respond(ctx, r, plan, new KeyResult[][] {read.join()}));
      }
      return read.thenApply(res -> respond(ctx, r, plan, new KeyResult[][] {res}));
    }
    @SuppressWarnings("unchecked")
    CompletableFuture<KeyResult[]>[] fs = new CompletableFuture[reads.size()];
    for (int i = 0; i < fs.length; i++) {
      fs[i] = readPath.read(reads.get(i), keys, r.asOf(), r.strong(), storeBudget, timer);
    }
    return CompletableFuture.allOf(fs)
        .thenApply(
            v -> {
              KeyResult[][] byRead = new KeyResult[fs.length][];
              for (int i = 0; i < fs.length; i++) {
                byRead[i] = fs[i].join();
              }
              return respond(ctx, r, plan, byRead);
            });
  }

  /**
   * Refuses an {@code as_of} at or before the oldest time the online store still holds for one of
   * the views read: {@code now - table TTL} ({@link FeatureWriter#storeTtl}), before which both
   * stores return no cell. Answering it would show every key {@code NOT_FOUND} with empty windows
   * ({@code 0}), a silently wrong answer, as if nothing had existed then.
   */
  static void requireHeld(Instant asOf, List<LookupPlan.ViewRead> reads, long nowMillis) {
    for (LookupPlan.ViewRead read : reads) {
      Duration kept = FeatureWriter.storeTtl(read.record().view());
      long oldest = nowMillis - kept.toMillis();
      if (asOf.toEpochMilli() <= oldest) {
        FeatureView v = read.record().view();
        throw ApiException.badRequest(
            "as_of",
            "as_of: "
                + asOf
                + " is older than the online store holds view "
                + v.namespace()
                + "."
                + v.name()
                + ":"
                + v.version()
                + " (it keeps "
                + span(kept)
                + " of history; expected: after "
                + Instant.ofEpochMilli(oldest)
                + "; for older times use the offline store: quiver export or POST"
                + " /v1/offline/export)");
      }
    }
  }

  private static final long[] SPAN_UNITS = {86_400_000L, 3_600_000L, 60_000L, 1_000L, 1L};
  private static final String[] SPAN_NAMES = {"d", "h", "m", "s", "ms"};

  /** {@code 31d 5m}: a duration in its larger units ({@link Durations#format} spells 44645m). */
  static String span(Duration d) {
    long[] units = SPAN_UNITS;
    String[] names = SPAN_NAMES;
    StringBuilder b = new StringBuilder();
    long ms = d.toMillis();
    for (int i = 0; i < units.length; i++) {
      if (ms >= units[i]) {
        b.append(b.length() == 0 ? "" : " ").append(ms / units[i]).append(names[i]);
        ms %= units[i];
      }
    }
    return b.length() == 0 ? "0s" : b.toString();
  }

  /**
   * One token per distinct key of the request, or none: a refused request (429) gives back what it
   * took for its other keys. A single key (the common lookup) allocates nothing.
   */
  private void takeTokens(LookupRequest r, List<List<Object>> keys) {
    long now = System.nanoTime();
    if (keys.size() == 1) {
      long waitNanos =
          throttle.tryAcquire(throttle.hash(r.namespace(), r.entityName(), keys.get(0)), now);
      if (waitNanos > 0) {
        throw throttled(r, 0, waitNanos);
      }
      return;
    }
    long[] hashes = new long[keys.size()];
    for (int i = 0; i < hashes.length; i++) {
      hashes[i] = throttle.hash(r.namespace(), r.entityName(), keys.get(i));
    }
    boolean[] repeat = repeats(hashes);
    for (int i = 0; i < hashes.length; i++) {
      if (repeat != null && repeat[i]) {
        continue; // one read of the key serves all its copies: charged once per request
      }
      long waitNanos = throttle.tryAcquire(hashes[i], now);
      if (waitNanos > 0) {
        for (int j = 0; j < i; j++) {
          if (repeat == null || !repeat[j]) {
            throttle.refund(hashes[j]); // the request is refused: its other keys read nothing
          }
        }
        throw throttled(r, i, waitNanos);
      }
    }
  }

  private ApiException throttled(LookupRequest r, int i, long waitNanos) {
    metrics.throttled();
    return ApiException.throttled(
        "keys[" + i + "]",
        "key "
            + ApiException.echo(r.keys().get(i))
            + " of entity "
            + r.entityName()
            + " is over its rate limit (server.rate-limit.per-key-rate); retry after the"
            + " Retry-After delay",
        retryAfterSeconds(waitNanos));
  }

  /**
   * {@code Retry-After} for a bucket that has a token again in {@code waitNanos}: whole seconds,
   * rounded up (at least 1). Was {@code toSeconds(wait) + 1}, a second too many for a wait of whole
   * seconds.
   */
  static long retryAfterSeconds(long waitNanos) {
    return Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
  }

  /**
   * Which keys repeat an earlier key of the request (by throttle hash), or null when none does. A
   * batch naming one key more often than the bucket's burst (a batch of transactions, many of one
   * user) was refused with 429 on every attempt, its Retry-After notwithstanding.
   */
  static boolean[] repeats(long[] hashes) {
    if (hashes.length < 2) {
      return null;
    }
    long[] sorted = hashes.clone();
    Arrays.sort(sorted);
    boolean any = false;
    for (int j = 1; j < sorted.length && !any; j++) {
      any = sorted[j] == sorted[j - 1];
    }
    if (!any) {
      return null;
    }
    boolean[] seen = new boolean[sorted.length];
    boolean[] repeat = new boolean[hashes.length];
    for (int i = 0; i < hashes.length; i++) {
      int j = Arrays.binarySearch(sorted, hashes[i]);
      while (j > 0 && sorted[j - 1] == hashes[i]) {
        j--;
      }
      repeat[i] = seen[j];
      seen[j] = true;
    }
    return repeat;
  }

  private HttpResponse respond(
      ServiceRequestContext ctx, LookupRequest r, LookupPlan plan, KeyResult[][] byRead) {
    HttpData body =
        LookupResponseWriter.write(
            ctx.alloc(), r, plan, byRead, unmaterializedWarnings(plan), metrics);
    return HttpResponse.of(OK_JSON, body);
  }

  /**
   * A warning per view of the plan that is registered but not materialized (its last read found no
   * online table): its keys answer NOT_FOUND, with window aggregations at their empty-window value
   * ({@code 0}), exactly like a key never seen; the warning tells the two apart and says the fix.
   * Null when there is none (the usual case: no allocation).
   */
  private List<String> unmaterializedWarnings(LookupPlan plan) {
    List<String> out = null;
    for (LookupPlan.ViewRead read : plan.reads()) {
      if (readPath.unmaterialized(read)) {
        var view = read.record().view();
        if (out == null) {
          out = new ArrayList<>(1);
        }
        out.add(
            "view "
                + view.qualifiedName()
                + ":"
                + view.version()
                + " is not materialized: no job or backfill has written its online table, so"
                + " its features answer NOT_FOUND (window aggregations at their empty value, e.g."
                + " a count of 0) for every key; start its job (quiver materialize "
                + view.name()
                + "; under quiver local, which holds the online store and starts a job per"
                + " streaming view when it starts: restart quiver local) or run quiver backfill "
                + view.name()
                + " --from ... --to ... --online");
      }
    }
    return out;
  }

  /**
   * What a plan depends on; feature refs are records, so equal lists mean equal requests. A class
   * with its hash computed once rather than a record: the plan cache probes it on every lookup, and
   * a record's generated hashCode and equals (method-handle chains over the feature list) showed in
   * the server's profile. {@link LookupRequest} hands out one {@link FeatureRef} instance per
   * feature text, so comparing the lists is mostly identity checks.
   */
  private static final class PlanKey {
    private final String namespace;
    private final String entity;
    private final List<FeatureRef> features;
    private final String service;
    private final int hash;

    PlanKey(String namespace, String entity, List<FeatureRef> features, String service) {
      this.namespace = namespace;
      this.entity = entity;
      this.features = features;
      this.service = service;
      this.hash =
          ((namespace.hashCode() * 31 + entity.hashCode()) * 31 + features.hashCode()) * 31
              + java.util.Objects.hashCode(service);
    }

    String namespace() {
      return namespace;
    }

    String entity() {
      return entity;
    }

    List<FeatureRef> features() {
      return features;
    }

    String service() {
      return service;
    }

    @Override
    public boolean equals(Object o) {
      return o == this
          || (o instanceof PlanKey k
              && k.hash == hash
              && k.entity.equals(entity)
              && k.namespace.equals(namespace)
              && k.features.equals(features)
              && java.util.Objects.equals(k.service, service));
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
