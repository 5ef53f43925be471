package dev.quiver.serving;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.CommonPools;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.metric.MetricCollectingService;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.FeatureRef;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Bench-only: the lookup path built up one step at a time (the "ladder" of {@code
 * LookupLadderProbe}), each rung a route {@code /ladder/<rung>} of one Armeria server with the
 * production server's settings, so that the CPU and allocation of each step can be measured as the
 * difference between neighbouring rungs. Every rung aggregates the request like the floor does and
 * adds, in order:
 *
 * <ol>
 *   <li>{@code floor}: nothing; answers precomputed bytes (a real one-key answer);
 *   <li>{@code metrics}: Armeria's {@link MetricCollectingService} as the server installs it;
 *   <li>{@code parse}: {@link LookupRequest#parse(HttpData)};
 *   <li>{@code plan}: the plan-cache probe of {@link LookupService} (same cache, same key);
 *   <li>{@code cache}: entity keys, the token bucket and {@link ReadPath#read} where every key is a
 *       near-cache hit (max staleness 1 h; the first reads fill the cache);
 *   <li>{@code encode}: {@link LookupResponseWriter} instead of the precomputed bytes.
 * </ol>
 *
 * The rungs above the ladder are real {@link QuiverServer}s on the same registry and store (see
 * {@code BenchServer ladder}).
 */
public final class LadderServer implements AutoCloseable {
  public static final List<String> RUNGS =
      List.of("floor", "metrics", "parse", "plan", "cache", "encode");

  private static final ResponseHeaders OK_JSON =
      ResponseHeaders.of(HttpStatus.OK, HttpHeaderNames.CONTENT_TYPE, MediaType.JSON_UTF_8);

  private final Server server;

  private LadderServer(Server server) {
    this.server = server;
  }

  public int port() {
    return server.activeLocalPort();
  }

  /**
   * Starts the ladder over {@code registry} and {@code source}; {@code sampleBody} is one lookup.
   */
  public static LadderServer start(
      Map<String, String> conf, FeatureRegistry registry, FeatureSource source, String sampleBody) {
    ServerOptions opts = ServerOptions.from(QuiverConfig.of(conf));
    Map<String, String> hitConf = new java.util.HashMap<>(conf);
    hitConf.put("server.cache.max-staleness", "1h");
    ServerOptions hitOpts = ServerOptions.from(QuiverConfig.of(hitConf));
    ServingMetrics metrics = new ServingMetrics();
    Steps steps = new Steps(registry, source, hitOpts, metrics);
    byte[] precomputed = steps.sample(sampleBody);
    ServerBuilder sb =
        Server.builder()
            .http(new java.net.InetSocketAddress(opts.host(), 0))
            .maxRequestLength(opts.maxRequestLength())
            .requestTimeout(opts.requestTimeout())
            .gracefulShutdownTimeout(opts.shutdownQuietPeriod(), opts.shutdownTimeout())
            .meterRegistry(metrics.registry());
    if (opts.workerThreads() > 0) {
      sb.workerGroup(opts.workerThreads());
    }
    for (int level = 0; level < RUNGS.size(); level++) {
      final int l = level;
      HttpService svc =
          (ctx, req) ->
              HttpResponse.of(
                  req.aggregate().thenApply(agg -> steps.answer(l, ctx, agg, precomputed)));
      if (level >= 1) {
        svc =
            svc.decorate(
                MetricCollectingService.newDecorator(
                    new CachedMeterIdPrefixFunction("quiver.http")));
      }
      sb.route()
          .post("/ladder/" + RUNGS.get(level))
          .defaultServiceName(RUNGS.get(level))
          .build(svc);
    }
    Server server = sb.build();
    server.start().join();
    return new LadderServer(server);
  }

  /** The steps of {@link LookupService}, each taken only from its rung up. */
  private static final class Steps {
    private final FeatureResolver resolver;
    private final ReadPath readPath;
    private final KeyThrottle throttle;
    private final ServingMetrics metrics;
    private final AsyncLoadingCache<PlanKey, LookupPlan> plans;

    Steps(FeatureRegistry registry, FeatureSource source, ServerOptions o, ServingMetrics metrics) {
      this.metrics = metrics;
      this.resolver = new FeatureResolver(registry, o.cacheMaxStaleness(), o.planCacheTtl());
      this.readPath = new ReadPath(new StoreGuard(source, o, metrics), o, metrics);
      this.throttle = new KeyThrottle(o.perKeyRate(), o.perKeyBurst());
      this.plans =
          Caffeine.newBuilder()
              .maximumSize(10_000)
              .refreshAfterWrite(o.planCacheTtl())
              // As LookupService: dropped when not used for 30 TTLs (expireAfterAccess, so a plan
              // whose refreshes wait for an unanswering registry stays while it is used).
              .expireAfterAccess(o.planCacheTtl().multipliedBy(30))
              .executor(Runnable::run)
              .buildAsync(
                  (k, ignored) ->
                      CompletableFuture.supplyAsync(
                          () ->
                              resolver.resolve(
                                  k.namespace(), k.entity(), k.features(), k.service(), false),
                          CommonPools.blockingTaskExecutor()));
    }

    byte[] sample(String body) {
      LookupRequest r = LookupRequest.parse(HttpData.ofUtf8(body));
      LookupPlan plan =
          resolver.resolve(r.namespace(), r.entityName(), r.features(), r.featureService(), false);
      KeyResult[] res =
          readPath
              .read(
                  plan.reads().get(0),
                  EntityKeys.parse(plan.entity(), r.keys()),
                  null,
                  false,
                  TimeUnit.SECONDS.toNanos(10),
                  null)
              .join();
      HttpData d =
          LookupResponseWriter.write(
              UnpooledByteBufAllocator.DEFAULT, r, plan, new KeyResult[][] {res}, null, metrics);
      byte[] out = d.array();
      d.close();
      if (!new String(out, StandardCharsets.UTF_8).contains("\"OK\"")) {
        throw new IllegalStateException("sample answer is not OK: " + new String(out));
      }
      return out;
    }

    HttpResponse answer(
        int level, ServiceRequestContext ctx, AggregatedHttpRequest agg, byte[] precomputed) {
      if (level < 2) {
        return HttpResponse.of(OK_JSON, HttpData.wrap(precomputed));
      }
      LookupRequest r = LookupRequest.parse(agg.content());
      if (level < 3) {
        return HttpResponse.of(OK_JSON, HttpData.wrap(precomputed));
      }
      PlanKey key = new PlanKey(r.namespace(), r.entityName(), r.features(), r.featureService());
      CompletableFuture<LookupPlan> f = plans.getIfPresent(key);
      LookupPlan plan = (f != null ? f : plans.get(key)).join(); // a wait only on the first one
      if (level < 4) {
        return HttpResponse.of(OK_JSON, HttpData.wrap(precomputed));
      }
      List<List<Object>> keys = EntityKeys.parse(plan.entity(), r.keys());
      long now = System.nanoTime();
      for (int i = 0; i < keys.size(); i++) {
        throttle.tryAcquire(throttle.hash(r.namespace(), r.entityName(), keys.get(i)), now);
      }
      KeyResult[] res =
          readPath
              .read(
                  plan.reads().get(0),
                  keys,
                  null,
                  false,
                  TimeUnit.SECONDS.toNanos(1),
                  ctx.eventLoop().withoutContext())
              .join(); // completed when every key hits (all but the first reads)
      if (level < 5) {
        return HttpResponse.of(OK_JSON, HttpData.wrap(precomputed));
      }
      return HttpResponse.of(
          OK_JSON,
          LookupResponseWriter.write(ctx.alloc(), r, plan, new KeyResult[][] {res}, null, metrics));
    }
  }

  private record PlanKey(
      String namespace, String entity, List<FeatureRef> features, String service) {}

  @Override
  public void close() {
    server.stop().join();
  }
}
