package dev.quiver.serving;

import dev.quiver.core.config.ConfigOption;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.Durations;
import java.time.Duration;
import java.util.List;

/**
 * Typed options of the serving module, read from {@code quiver.yaml}. Every option here is
 * documented in {@code docs/serving.md}; {@code ServerOptionsTest} fails when one is not.
 *
 * @param port TCP port; 0 picks a free one (tests)
 * @param host address to bind
 * @param workerThreads event-loop threads; 0 = Armeria's default (2 × cores)
 * @param maxRequestLength largest request body in bytes; larger → 413
 * @param requestTimeout server-side cap on any request
 * @param defaultLookupTimeout a lookup's deadline when it names no {@code options.timeout_ms}
 * @param shutdownQuietPeriod graceful shutdown: how long the server waits for no new requests
 * @param shutdownTimeout graceful shutdown: hard cap, after which in-flight requests are aborted
 * @param cacheMaxStaleness near cache: how old a cached value may be (per view override: the view
 *     tag {@code serving.max_staleness_ms}); zero disables the cache
 * @param cacheMaxEntries near cache size bound
 * @param coalescing whether identical concurrent store reads are merged into one
 * @param perKeyRate token bucket refill per entity key, requests per second; 0 disables
 * @param perKeyBurst token bucket capacity per entity key
 * @param lkgMaxEntries last-known-good cache size bound
 * @param breakerFailureRate failure ratio (0..1) that opens the store circuit breaker
 * @param breakerMinRequests requests in the sliding window before the breaker may open
 * @param breakerOpenWindow how long the breaker stays open before a trial request
 * @param planCacheTtl how long a resolved feature list (names → view versions) is reused
 * @param inlineReadMaxKeys an in-process store (embedded) is read on the event loop, without a
 *     thread hand-off, for lookups of at most this many keys; larger batches go to the store's
 *     threads; 1 (the default) reads single-key lookups inline, 0 always hands off
 */
public record ServerOptions(
    int port,
    String host,
    int workerThreads,
    long maxRequestLength,
    Duration requestTimeout,
    Duration defaultLookupTimeout,
    Duration shutdownQuietPeriod,
    Duration shutdownTimeout,
    Duration cacheMaxStaleness,
    long cacheMaxEntries,
    boolean coalescing,
    double perKeyRate,
    int perKeyBurst,
    long lkgMaxEntries,
    double breakerFailureRate,
    long breakerMinRequests,
    Duration breakerOpenWindow,
    Duration planCacheTtl,
    int inlineReadMaxKeys) {

  public static final ConfigOption<Integer> PORT =
      ConfigOption.integer(
          "server.port", 8080, "TCP port of the REST service; 0 picks a free one.");
  public static final ConfigOption<String> HOST =
      ConfigOption.string("server.host", "127.0.0.1", "Address the REST service binds to.");
  public static final ConfigOption<Integer> WORKER_THREADS =
      ConfigOption.integer(
          "server.worker-threads", 0, "Event-loop threads; 0 means Armeria's default (2 x cores).");
  public static final ConfigOption<Long> MAX_REQUEST_LENGTH =
      ConfigOption.longOption(
          "server.max-request-length",
          4L * 1024 * 1024,
          "Largest request body in bytes; a larger one gets 413.");
  public static final ConfigOption<Duration> REQUEST_TIMEOUT =
      ConfigOption.duration(
          "server.request-timeout", Duration.ofSeconds(10), "Server-side cap on any request.");
  public static final ConfigOption<Duration> LOOKUP_TIMEOUT =
      ConfigOption.duration(
          "server.lookup.default-timeout",
          Duration.ofSeconds(1),
          "Deadline of a lookup that names no options.timeout_ms; also the store bound of the circuit"
              + " breaker: a store read still running this long after it started counts as a"
              + " failure (a shorter timeout_ms only answers STALE).");
  public static final ConfigOption<Duration> SHUTDOWN_QUIET =
      ConfigOption.duration(
          "server.graceful-shutdown.quiet-period",
          Duration.ofMillis(500),
          "Graceful shutdown: wait this long without new requests before stopping.");
  public static final ConfigOption<Duration> SHUTDOWN_TIMEOUT =
      ConfigOption.duration(
          "server.graceful-shutdown.timeout",
          Duration.ofSeconds(10),
          "Graceful shutdown: in-flight requests are aborted after this long.");
  public static final ConfigOption<Duration> CACHE_MAX_STALENESS =
      ConfigOption.duration(
          "server.cache.max-staleness",
          Duration.ofMillis(200),
          "Near cache: how old a served value may be; 0 disables. Per view: tag"
              + " serving.max_staleness_ms.");
  public static final ConfigOption<Long> CACHE_MAX_ENTRIES =
      ConfigOption.longOption(
          "server.cache.max-entries",
          100_000L,
          "Near cache: most (view, key) entries kept; 0 turns the near cache off. The near cache"
              + " and last-known-good share one entry per key, bounded by the larger of this and"
              + " server.lkg.max-entries.");
  public static final ConfigOption<Boolean> COALESCING =
      ConfigOption.bool(
          "server.coalescing.enabled", true, "Merge identical concurrent store reads into one.");
  public static final ConfigOption<Double> PER_KEY_RATE =
      ConfigOption.doubleOption(
          "server.rate-limit.per-key-rate",
          1000.0,
          "Token bucket refill per entity key, in requests per second; 0 disables the limit.");
  public static final ConfigOption<Integer> PER_KEY_BURST =
      ConfigOption.integer(
          "server.rate-limit.per-key-burst", 2000, "Token bucket capacity per entity key.");
  public static final ConfigOption<Long> LKG_MAX_ENTRIES =
      ConfigOption.longOption(
          "server.lkg.max-entries",
          200_000L,
          "Last-known-good values kept to answer STALE while the store is down; 0 turns"
              + " last-known-good off. Shares its entries with the near cache (see"
              + " server.cache.max-entries).");
  public static final ConfigOption<Double> BREAKER_FAILURE_RATE =
      ConfigOption.doubleOption(
          "server.breaker.failure-rate",
          0.5,
          "Failure ratio (0..1) of store reads that opens the circuit breaker.");
  public static final ConfigOption<Long> BREAKER_MIN_REQUESTS =
      ConfigOption.longOption(
          "server.breaker.minimum-requests",
          10L,
          "Store reads in the sliding window before the breaker may open.");
  public static final ConfigOption<Duration> BREAKER_OPEN_WINDOW =
      ConfigOption.duration(
          "server.breaker.open-window",
          Duration.ofSeconds(2),
          "How long the breaker stays open before it lets one trial read through.");
  public static final ConfigOption<Duration> PLAN_CACHE_TTL =
      ConfigOption.duration(
          "server.plan-cache.ttl",
          Duration.ofSeconds(1),
          "How long a resolved feature list (names to view versions) is reused; bounds how soon"
              + " 'latest' follows a new ACTIVE version.");
  public static final ConfigOption<Integer> INLINE_READ_MAX_KEYS =
      ConfigOption.integer(
          "server.inline-read.max-keys",
          1,
          "Lookups of at most this many keys read an in-process (embedded) store on the event loop,"
              + " without a thread hand-off; larger batches use the store's threads. 1 (default"
              + " since session 6): single-key lookups stay on the event loop (20-31% less CPU per"
              + " lookup at 5-10k req/s, same p99 in a quiet A/B; a slow read delays every request"
              + " of that event loop); 0: always hand off.");

  /** Every option of this module, for {@link QuiverConfig#validate}. */
  public static final List<ConfigOption<?>> ALL =
      List.of(
          PORT,
          HOST,
          WORKER_THREADS,
          MAX_REQUEST_LENGTH,
          REQUEST_TIMEOUT,
          LOOKUP_TIMEOUT,
          SHUTDOWN_QUIET,
          SHUTDOWN_TIMEOUT,
          CACHE_MAX_STALENESS,
          CACHE_MAX_ENTRIES,
          COALESCING,
          PER_KEY_RATE,
          PER_KEY_BURST,
          LKG_MAX_ENTRIES,
          BREAKER_FAILURE_RATE,
          BREAKER_MIN_REQUESTS,
          BREAKER_OPEN_WINDOW,
          PLAN_CACHE_TTL,
          INLINE_READ_MAX_KEYS);

  public ServerOptions {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("server.port: " + port + " (expected: 0..65535)");
    }
    if (workerThreads < 0) {
      throw new IllegalArgumentException(
          "server.worker-threads: " + workerThreads + " (expected: >= 0)");
    }
    if (maxRequestLength <= 0) {
      throw new IllegalArgumentException(
          "server.max-request-length: " + maxRequestLength + " (expected: > 0)");
    }
    if (perKeyRate < 0) {
      throw new IllegalArgumentException(
          "server.rate-limit.per-key-rate: " + perKeyRate + " (expected: >= 0)");
    }
    if (perKeyBurst < 1) {
      throw new IllegalArgumentException(
          "server.rate-limit.per-key-burst: " + perKeyBurst + " (expected: >= 1)");
    }
    if (inlineReadMaxKeys < 0) {
      throw new IllegalArgumentException(
          "server.inline-read.max-keys: " + inlineReadMaxKeys + " (expected: >= 0)");
    }
    if (breakerFailureRate <= 0 || breakerFailureRate > 1) {
      throw new IllegalArgumentException(
          "server.breaker.failure-rate: " + breakerFailureRate + " (expected: 0 < rate <= 1)");
    }
    // A lookup's default deadline is in the range options.timeout_ms takes: 0 made every lookup
    // without timeout_ms STALE and counted each read as a store failure (the breaker opened).
    if (defaultLookupTimeout.toMillis() < 1
        || defaultLookupTimeout.toMillis() > LookupRequest.MAX_TIMEOUT_MS) {
      throw new IllegalArgumentException(
          "server.lookup.default-timeout: "
              + Durations.format(defaultLookupTimeout)
              + " (expected: 1ms.."
              + LookupRequest.MAX_TIMEOUT_MS / 1000
              + "s, the range of options.timeout_ms)");
    }
    // Caffeine and Armeria refused these later without naming the key ("duration must be
    // positive: 0 NANOSECONDS", "circuitOpenWindow: PT0S (expected: > 0)").
    positive("server.plan-cache.ttl", planCacheTtl);
    positive("server.breaker.open-window", breakerOpenWindow);
    if (cacheMaxEntries < 0) {
      throw new IllegalArgumentException(
          "server.cache.max-entries: " + cacheMaxEntries + " (expected: >= 0; 0 disables it)");
    }
    if (lkgMaxEntries < 0) {
      throw new IllegalArgumentException(
          "server.lkg.max-entries: " + lkgMaxEntries + " (expected: >= 0; 0 disables it)");
    }
    if (breakerMinRequests < 0) {
      throw new IllegalArgumentException(
          "server.breaker.minimum-requests: " + breakerMinRequests + " (expected: >= 0)");
    }
  }

  private static void positive(String key, Duration d) {
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(key + ": " + Durations.format(d) + " (expected: > 0)");
    }
  }

  /** Reads the options; keys outside {@code server.} are left to other modules. */
  public static ServerOptions from(QuiverConfig c) {
    return new ServerOptions(
        c.get(PORT),
        c.get(HOST),
        c.get(WORKER_THREADS),
        c.get(MAX_REQUEST_LENGTH),
        c.get(REQUEST_TIMEOUT),
        c.get(LOOKUP_TIMEOUT),
        c.get(SHUTDOWN_QUIET),
        c.get(SHUTDOWN_TIMEOUT),
        c.get(CACHE_MAX_STALENESS),
        c.get(CACHE_MAX_ENTRIES),
        c.get(COALESCING),
        c.get(PER_KEY_RATE),
        c.get(PER_KEY_BURST),
        c.get(LKG_MAX_ENTRIES),
        c.get(BREAKER_FAILURE_RATE),
        c.get(BREAKER_MIN_REQUESTS),
        c.get(BREAKER_OPEN_WINDOW),
        c.get(PLAN_CACHE_TTL),
        c.get(INLINE_READ_MAX_KEYS));
  }

  public static ServerOptions defaults() {
    return from(QuiverConfig.empty());
  }

  /** A copy on another port (tests use 0). */
  public ServerOptions withPort(int p) {
    return new ServerOptions(
        p,
        host,
        workerThreads,
        maxRequestLength,
        requestTimeout,
        defaultLookupTimeout,
        shutdownQuietPeriod,
        shutdownTimeout,
        cacheMaxStaleness,
        cacheMaxEntries,
        coalescing,
        perKeyRate,
        perKeyBurst,
        lkgMaxEntries,
        breakerFailureRate,
        breakerMinRequests,
        breakerOpenWindow,
        planCacheTtl,
        inlineReadMaxKeys);
  }
}
