package dev.quiver.serving;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * The service's Micrometer meters, scraped as Prometheus text at {@code GET /v1/metrics}. HTTP
 * latency per endpoint comes from {@link RequestMetrics} (Armeria's request meters, prefix {@code
 * quiver.http}); the meters below are Quiver's own. Counters are resolved once, so recording on the
 * hot path is an atomic add.
 */
public final class ServingMetrics {
  private final PrometheusMeterRegistry registry;
  private final Counter cacheHit;
  private final Counter cacheMiss;
  private final Counter coalesced;
  private final Counter throttled;
  private final Counter lkgServed;
  private final Counter storeErrors;
  private final Counter breakerRejected;
  private final Timer storeLatency;
  private final Counter[] keysByStatus = new Counter[KeyStatus.values().length];
  private final ConcurrentHashMap<String, Counter> errors = new ConcurrentHashMap<>();

  public ServingMetrics() {
    this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  public ServingMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    registry
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public DistributionStatisticConfig configure(
                  Meter.Id id, DistributionStatisticConfig config) {
                // Histograms only where they answer a question (end-to-end latency per route,
                // store latency): each histogram costs a bucket update on every request.
                if (id.getType() == Meter.Type.TIMER
                    && (id.getName().equals("quiver.http.total.duration")
                        || id.getName().equals("quiver.store.latency"))) {
                  return DistributionStatisticConfig.builder()
                      .percentilesHistogram(true)
                      .minimumExpectedValue((double) Duration.ofNanos(100_000).toNanos())
                      .maximumExpectedValue((double) Duration.ofSeconds(10).toNanos())
                      .percentiles() // none: the buckets give the quantiles (see below)
                      .build()
                      .merge(config);
                }
                if (id.getName().startsWith("quiver.http.")) {
                  // Armeria's defaults add client-side percentiles (0.5 ... 0.999, 1.0) to each of
                  // its timers and summaries: five HdrHistogram recordings per request, the
                  // largest metrics cost on the lookup path. Counts, sums and maxima stay, and
                  // end-to-end quantiles come from the total-duration histogram's buckets
                  // (histogram_quantile in Prometheus).
                  return DistributionStatisticConfig.builder().percentiles().build().merge(config);
                }
                return config;
              }
            });
    // The JVM's heap, threads, classes and CPU, read only when scraped (gauges and function
    // counters: nothing on the lookup path). GC pauses (JvmGcMetrics) would need a listener
    // closed with the server; -Xlog:gc covers them.
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    cacheHit = cacheRequests("hit");
    cacheMiss = cacheRequests("miss");
    Gauge.builder("quiver.cache.hit.ratio", this, ServingMetrics::hitRatio)
        .description("near cache hits / (hits + misses) since start")
        .register(registry);
    coalesced =
        Counter.builder("quiver.coalesced.reads")
            .description("key reads that joined an identical in-flight store read")
            .register(registry);
    throttled =
        Counter.builder("quiver.throttled.requests")
            .description("lookups refused with 429 by the per-key token bucket")
            .register(registry);
    lkgServed =
        Counter.builder("quiver.lkg.served")
            .description("keys answered STALE from last-known-good values")
            .register(registry);
    storeErrors =
        Counter.builder("quiver.store.errors")
            .description("online store reads that failed or timed out")
            .register(registry);
    breakerRejected =
        Counter.builder("quiver.store.breaker.rejected")
            .description("store reads skipped because the circuit breaker was open")
            .register(registry);
    storeLatency =
        Timer.builder("quiver.store.latency")
            .description("online store multi-get latency")
            .register(registry);
    for (KeyStatus s : KeyStatus.values()) {
      keysByStatus[s.ordinal()] =
          Counter.builder("quiver.lookup.keys")
              .description("keys answered by lookups, by status (OK, PARTIAL, NOT_FOUND, STALE)")
              .tag("status", s.name())
              .register(registry);
    }
  }

  private Counter cacheRequests(String result) {
    return Counter.builder("quiver.cache.requests")
        .description("near cache lookups of a key, by result (hit or miss)")
        .tag("result", result)
        .register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  private double hitRatio() {
    double h = cacheHit.count();
    double total = h + cacheMiss.count();
    return total == 0 ? 0 : h / total;
  }

  void gauge(String name, String description, DoubleSupplier value) {
    Gauge.builder(name, value::getAsDouble).description(description).register(registry);
  }

  void cacheHit() {
    cacheHit.increment();
  }

  void cacheMiss() {
    cacheMiss.increment();
  }

  void coalesced() {
    coalesced.increment();
  }

  void throttled() {
    throttled.increment();
  }

  void lkgServed(int n) {
    lkgServed.increment(n);
  }

  void storeError() {
    storeErrors.increment();
  }

  void breakerRejected() {
    breakerRejected.increment();
  }

  void storeLatency(long nanos) {
    storeLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  void key(KeyStatus status) {
    keysByStatus[status.ordinal()].increment();
  }

  void error(String code) {
    errors
        .computeIfAbsent(
            code,
            c ->
                Counter.builder("quiver.api.errors")
                    .description("error responses, by the error body's code")
                    .tag("code", c)
                    .register(registry))
        .increment();
  }

  /** Prometheus text exposition. */
  String scrape() {
    return registry.scrape();
  }
}
