package dev.quiver.serving;

import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.logging.RequestLogProperty;
import com.linecorp.armeria.common.logging.RequestOnlyLog;
import com.linecorp.armeria.common.metric.MeterIdPrefix;
import com.linecorp.armeria.common.metric.MeterIdPrefixFunction;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Armeria's default meter ids ({@link MeterIdPrefixFunction#ofDefault}: tags {@code
 * hostname.pattern}, {@code http.status}, {@code method}, {@code service}), each built once per
 * distinct tag combination instead of once per request. The default function builds two tag lists,
 * sorts them and makes a new {@link MeterIdPrefix} for every request, which the metrics decorator
 * ({@link RequestMetrics}, before session 9 {@code MetricCollectingService}) then hashes to find
 * its meters again (about 5% of the event loops' allocations in a lookup profile). Here a request
 * costs a small key and one map probe; the ids, and so the meters and their names, are exactly the
 * default's (the default function builds them). Combinations are few (routes x methods x statuses);
 * past {@link #MAX_CACHED} the rest are built per request as before. One change: a request no route
 * took is tagged {@code service="unmatched"} ({@link #UNMATCHED}).
 */
final class CachedMeterIdPrefixFunction implements MeterIdPrefixFunction {
  static final int MAX_CACHED = 4096;

  /**
   * The {@code service} tag of a request no route took (an unknown path, 404, or a known path with
   * another method, 405): Armeria's fallback service answers it, whose default tag is its class
   * name, as if it were an endpoint. One value, so its series stay bounded (by method and status).
   */
  static final String UNMATCHED = "unmatched";

  private static final String SERVICE_TAG = "service";

  private final MeterIdPrefixFunction delegate;
  private final ConcurrentHashMap<Key, MeterIdPrefix> active = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, MeterIdPrefix> complete = new ConcurrentHashMap<>();

  /** What the default function reads from a request log; status 0 for active requests. */
  private record Key(String hostnamePattern, String method, String service, int status) {}

  CachedMeterIdPrefixFunction(String name) {
    this.delegate = MeterIdPrefixFunction.ofDefault(name);
  }

  @Override
  public MeterIdPrefix activeRequestPrefix(MeterRegistry registry, RequestOnlyLog log) {
    return cached(active, key(log, 0), registry, log, null);
  }

  @Override
  public MeterIdPrefix completeRequestPrefix(MeterRegistry registry, RequestLog log) {
    int status =
        log.isAvailable(RequestLogProperty.RESPONSE_HEADERS)
            ? log.responseHeaders().status().code()
            : HttpStatus.UNKNOWN.code();
    return cached(complete, key(log, status), registry, log, log);
  }

  private MeterIdPrefix cached(
      ConcurrentHashMap<Key, MeterIdPrefix> map,
      Key key,
      MeterRegistry registry,
      RequestOnlyLog log,
      RequestLog completeLog) {
    MeterIdPrefix p = map.get(key);
    if (p == null) {
      p =
          completeLog == null
              ? delegate.activeRequestPrefix(registry, log)
              : delegate.completeRequestPrefix(registry, completeLog);
      if (UNMATCHED.equals(key.service())) {
        p = withService(p, UNMATCHED);
      }
      if (map.size() < MAX_CACHED) {
        map.putIfAbsent(key, p);
      }
    }
    return p;
  }

  private static Key key(RequestOnlyLog log, int status) {
    ServiceRequestContext ctx = log.context() instanceof ServiceRequestContext s ? s : null;
    String host = ctx != null ? ctx.config().virtualHost().hostnamePattern() : null;
    String method = log.name();
    if (method == null) {
      method = log.requestHeaders().method().name();
    }
    boolean unmatched = ctx != null && ctx.config().route().isFallback();
    return new Key(host, method, unmatched ? UNMATCHED : log.serviceName(), status);
  }

  /** {@code prefix} with its {@code service} tag set to {@code service}. */
  private static MeterIdPrefix withService(MeterIdPrefix prefix, String service) {
    List<Tag> tags = new ArrayList<>(prefix.tags().size());
    for (Tag t : prefix.tags()) {
      tags.add(SERVICE_TAG.equals(t.getKey()) ? Tag.of(SERVICE_TAG, service) : t);
    }
    return new MeterIdPrefix(prefix.name(), tags);
  }
}
