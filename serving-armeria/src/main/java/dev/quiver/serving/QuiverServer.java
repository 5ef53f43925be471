package dev.quiver.serving;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.docs.DocService;
import com.linecorp.armeria.server.encoding.DecodingService;
import dev.quiver.core.registry.FeatureRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletionException;

/**
 * The Quiver REST service on Armeria: lookups, the registry API, health, metrics and the OpenAPI
 * document.
 *
 * <p>Armeria's DocService at {@code /docs/} browses the annotated services.
 *
 * <p>Decorator chain, outermost first: {@link RequestMetrics} (Armeria's request meters; latency
 * histograms, QPS and status codes per route) → request body decoding (gzip, deflate) →
 * <b>authentication/authorization ({@link Authorizer}; no-op by default, the JWT/OIDC hook)</b> →
 * the service. Errors from any layer are rendered by {@link ApiErrors}.
 */
public final class QuiverServer implements AutoCloseable {
  private final Server server;
  private final ServingMetrics metrics;
  private final FeatureSource source;
  private final StoreGuard guard;
  private final java.util.List<AutoCloseable> owned = new java.util.ArrayList<>();

  private QuiverServer(
      Server server, ServingMetrics metrics, FeatureSource source, StoreGuard guard) {
    this.server = server;
    this.metrics = metrics;
    this.source = source;
    this.guard = guard;
  }

  /**
   * What {@code quiver serve} runs: opens the registry ({@code registry.*}) and the online store
   * ({@code online.*}) from {@code config}, starts the server ({@code server.*}) and blocks until
   * it listens. Closing the server closes both.
   */
  public static QuiverServer open(dev.quiver.core.config.QuiverConfig config) {
    return open(config, null);
  }

  /**
   * Like {@link #open(dev.quiver.core.config.QuiverConfig)}, with the offline jobs service behind
   * {@code /v1/offline/*} and {@code /v1/backfill} (null: those routes answer 503). The caller
   * keeps ownership of {@code offline}.
   */
  public static QuiverServer open(
      dev.quiver.core.config.QuiverConfig config, dev.quiver.core.offline.OfflineService offline) {
    FeatureRegistry registry = dev.quiver.core.registry.FeatureRegistries.open(config);
    OnlineFeatureSource source;
    try {
      source = OnlineFeatureSource.open(config);
    } catch (RuntimeException e) {
      registry.close();
      throw e;
    }
    QuiverServer s;
    try {
      s = start(ServerOptions.from(config), registry, source, Authorizer.ALLOW_ALL, offline);
    } catch (RuntimeException e) {
      source.close();
      registry.close();
      throw e;
    }
    s.owned.add(source);
    s.owned.add(registry);
    return s;
  }

  /** Builds and starts a server; blocks until it listens. */
  public static QuiverServer start(
      ServerOptions options,
      FeatureRegistry registry,
      FeatureSource source,
      Authorizer authorizer) {
    return start(options, registry, source, authorizer, null);
  }

  /**
   * Builds and starts a server with an offline jobs service (null: the offline routes answer 503);
   * blocks until it listens. The caller keeps ownership of {@code offline}.
   */
  public static QuiverServer start(
      ServerOptions options,
      FeatureRegistry registry,
      FeatureSource source,
      Authorizer authorizer,
      dev.quiver.core.offline.OfflineService offline) {
    return start(options, registry, source, authorizer, offline, java.util.List.of());
  }

  /**
   * Like {@link #start(ServerOptions, FeatureRegistry, FeatureSource, Authorizer,
   * dev.quiver.core.offline.OfflineService)}, with checks of what writes the online store in this
   * process ({@code quiver local}'s materialization jobs), reported by {@code GET /v1/health}.
   */
  public static QuiverServer start(
      ServerOptions options,
      FeatureRegistry registry,
      FeatureSource source,
      Authorizer authorizer,
      dev.quiver.core.offline.OfflineService offline,
      java.util.List<UpstreamCheck> upstream) {
    QuiverServer s =
        newServer(options, registry, source, authorizer, new ServingMetrics(), offline, upstream);
    try {
      s.server.start().join();
    } catch (RuntimeException e) {
      s.server.stop().join();
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof java.net.BindException
            || String.valueOf(t.getMessage()).contains("Address already in use")) {
          throw new PortInUseException(options.host(), options.port(), t);
        }
      }
      throw e;
    }
    return s;
  }

  /** Builds a server without starting it (tests start it on an ephemeral port). */
  static QuiverServer newServer(
      ServerOptions options,
      FeatureRegistry registry,
      FeatureSource source,
      Authorizer authorizer,
      ServingMetrics metrics) {
    return newServer(options, registry, source, authorizer, metrics, null);
  }

  static QuiverServer newServer(
      ServerOptions options,
      FeatureRegistry registry,
      FeatureSource source,
      Authorizer authorizer,
      ServingMetrics metrics,
      dev.quiver.core.offline.OfflineService offline) {
    return newServer(options, registry, source, authorizer, metrics, offline, java.util.List.of());
  }

  static QuiverServer newServer(
      ServerOptions options,
      FeatureRegistry registry,
      FeatureSource source,
      Authorizer authorizer,
      ServingMetrics metrics,
      dev.quiver.core.offline.OfflineService offline,
      java.util.List<UpstreamCheck> upstream) {
    StoreGuard guard = new StoreGuard(source, options, metrics);
    ReadPath readPath = new ReadPath(guard, options, metrics);
    LookupService lookup = new LookupService(registry, readPath, options, metrics);
    ApiErrors errors = new ApiErrors(metrics);
    ServerBuilder sb =
        Server.builder()
            .http(new java.net.InetSocketAddress(options.host(), options.port()))
            .maxRequestLength(options.maxRequestLength())
            .requestTimeout(options.requestTimeout())
            .gracefulShutdownTimeout(options.shutdownQuietPeriod(), options.shutdownTimeout())
            .meterRegistry(metrics.registry())
            .errorHandler(errors);
    if (options.workerThreads() > 0) {
      sb.workerGroup(options.workerThreads());
    }
    // The service name is the metrics' "service" tag: one latency histogram per endpoint.
    sb.route()
        .post("exact:/v1/features:lookup")
        .defaultServiceName("/v1/features:lookup")
        .build(protect(lookup, authorizer));
    sb.route()
        .post("exact:/v1/features:batchLookup")
        .defaultServiceName("/v1/features:batchLookup")
        .build(protect(lookup, authorizer));
    RegistryService.register(sb, registry, svc -> protect(svc, authorizer));
    OfflineJobsService.register(sb, offline, svc -> protect(svc, authorizer));
    // GET (and HEAD) only: another method is the documented 405 JSON error, like every route.
    // Each names its metrics' "service" tag (else the tag was the handler's class: a lambda's
    // generated name, different in every build, under which no dashboard finds /v1/metrics).
    sb.route()
        .methods(HttpMethod.GET, HttpMethod.HEAD)
        .path("exact:/v1/health")
        .defaultServiceName("/v1/health")
        .build(new HealthService(registry, source, guard, upstream));
    sb.route()
        .methods(HttpMethod.GET, HttpMethod.HEAD)
        .path("exact:/v1/metrics")
        .defaultServiceName("/v1/metrics")
        .build(
            protect(
                (ctx, req) ->
                    HttpResponse.of(
                        HttpStatus.OK,
                        MediaType.parse("text/plain; version=0.0.4; charset=utf-8"),
                        metrics.scrape()),
                authorizer));
    byte[] openapi = resource("openapi.json");
    sb.route()
        .methods(HttpMethod.GET, HttpMethod.HEAD)
        .path("exact:/v1/openapi.json")
        .defaultServiceName("/v1/openapi.json")
        .build((ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, openapi));
    // Browsable reference of the annotated services (registry, offline jobs), with a request
    // console; the lookup endpoints are plain services, documented in openapi.json.
    // Its file service answers an unknown file with a plain-text 404: made the documented JSON 404
    // (through the error handler) like every unknown route.
    sb.serviceUnder(
        "/docs",
        DocService.builder()
            .build()
            .decorate(
                (delegate, ctx, req) ->
                    HttpResponse.of(
                        delegate
                            .serve(ctx, req)
                            .aggregate()
                            .thenApply(
                                res -> {
                                  if (res.status().equals(HttpStatus.NOT_FOUND)) {
                                    throw HttpStatusException.of(HttpStatus.NOT_FOUND);
                                  }
                                  return res.toHttpResponse();
                                }))));
    // A request no route took because of its method (the fallback service, with a deferred 405;
    // a route tried before the one that took it may have deferred one too): the 405 with Allow.
    sb.decorator(
        (delegate, ctx, req) -> {
          if (ctx.config().route().isFallback()) {
            com.linecorp.armeria.server.HttpStatusException refused =
                ctx.routingContext().deferredStatusException();
            if (refused != null && refused.httpStatus().equals(HttpStatus.METHOD_NOT_ALLOWED)) {
              return errors.methodNotAllowed(ctx);
            }
            if (refused == null) {
              HttpResponse slash = errors.trailingSlash(ctx);
              if (slash != null) {
                return slash;
              }
            }
          }
          return delegate.serve(ctx, req);
        });
    // gzip and deflate request bodies decoded (content-encoding removed); the decoded body is held
    // to server.max-request-length as it is inflated (a zip bomb is a 413, not an OOM), and a
    // stream cut short is a 400 naming content-encoding (not "malformed JSON").
    sb.decorator(DecodingService.newDecorator(RequestBodyDecoder.GZIP, RequestBodyDecoder.DEFLATE));
    // Armeria's MetricCollectingService meters, resolved once per route and status (no lock).
    sb.decorator(new RequestMetrics("quiver.http"));
    QuiverServer q = new QuiverServer(sb.build(), metrics, source, guard);
    q.owned.add(lookup); // its registry threads, after the server stopped
    return q;
  }

  /** Wraps {@code service} with the authorization hook; a no-op hook adds nothing to the path. */
  static HttpService protect(HttpService service, Authorizer authorizer) {
    if (authorizer == Authorizer.ALLOW_ALL) {
      return service;
    }
    return (ctx, req) ->
        HttpResponse.of(
            authorizer
                .authorize(ctx, req)
                .toCompletableFuture()
                .thenApply(
                    v -> {
                      try {
                        return service.serve(ctx, req);
                      } catch (Exception e) {
                        throw new CompletionException(e);
                      }
                    }));
  }

  static byte[] resource(String name) {
    try (InputStream in = QuiverServer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource dev/quiver/serving/" + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts the server and blocks until it listens. */
  public QuiverServer startAndWait() {
    server.start().join();
    return this;
  }

  /** The services the server binds, for the documentation test. */
  java.util.List<com.linecorp.armeria.server.ServiceConfig> serviceConfigs() {
    return server.serviceConfigs();
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return server.activeLocalPort();
  }

  public ServingMetrics metrics() {
    return metrics;
  }

  /** The store's circuit breaker and last-known-good cache, for tests. */
  StoreGuard guard() {
    return guard;
  }

  /**
   * Blocks until the server has stopped, after finishing in-flight requests (graceful shutdown).
   */
  @Override
  public void close() {
    server.stop().join();
    for (AutoCloseable c : owned) {
      try {
        c.close();
      } catch (Exception e) {
        // keep closing the others; nothing useful to do with a close failure at shutdown
      }
    }
  }
}
