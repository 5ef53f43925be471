package dev.quiver.serving;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.SuccessFunction;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.logging.RequestLogProperty;
import com.linecorp.armeria.common.metric.MeterIdPrefix;
import com.linecorp.armeria.common.metric.MeterIdPrefixFunction;
import com.linecorp.armeria.common.metric.MoreMeters;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.RequestTimeoutException;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Request metrics per route, method and status: the meters of Armeria's {@code
 * MetricCollectingService} (same names, tags and distribution config: {@code <name>.requests
 * {result}}, {@code .request.duration}, {@code .request.length}, {@code .response.duration}, {@code
 * .response.length}, {@code .total.duration}, {@code .timeouts{cause}}, {@code .active.requests}),
 * with no shared lock per request.
 *
 * <p>Why (session 9): {@code MetricCollectingService} finds a request's meters again on every
 * request through a {@code ConcurrentHashMap.computeIfAbsent}, which locks the map bin whenever the
 * id is not the bin's first entry; an event loop preempted there stalled the others (JFR: up to 3.1
 * ms). Here the meters of each id ({@link CachedMeterIdPrefixFunction}: one id object per
 * combination) are resolved once and found again with {@link ConcurrentHashMap#get}, which never
 * locks; only the first request of a combination registers its meters.
 *
 * <p>Thread-safe; one instance per server (it holds the meters it registered).
 */
final class RequestMetrics implements DecoratingHttpServiceFunction {
  private static final RequestLogProperty[] REQUEST_PROPERTIES = {
    RequestLogProperty.REQUEST_START_TIME,
    RequestLogProperty.REQUEST_HEADERS,
    RequestLogProperty.NAME,
    RequestLogProperty.SESSION
  };

  private final MeterIdPrefixFunction ids;
  private final DistributionStatisticConfig distribution = MoreMeters.distributionStatisticConfig();
  private final SuccessFunction success = SuccessFunction.ofDefault();
  private final ConcurrentHashMap<MeterIdPrefix, LongAdder> active = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<MeterIdPrefix, Meters> complete = new ConcurrentHashMap<>();

  RequestMetrics(String name) {
    this.ids = new CachedMeterIdPrefixFunction(name);
  }

  @Override
  public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req)
      throws Exception {
    ctx.log().whenAvailable(REQUEST_PROPERTIES).thenAccept(this::onRequest);
    return delegate.serve(ctx, req);
  }

  private void onRequest(RequestLog log) {
    RequestContext ctx = log.context();
    MeterRegistry registry = ctx.meterRegistry();
    MeterIdPrefix id = ids.activeRequestPrefix(registry, log);
    LongAdder gauge = active.get(id);
    if (gauge == null) {
      gauge = active.computeIfAbsent(id, i -> activeGauge(registry, i));
    }
    gauge.increment();
    LongAdder g = gauge;
    ctx.log()
        .whenComplete()
        .thenAccept(
            l -> {
              onComplete(l);
              g.decrement();
            });
  }

  private static LongAdder activeGauge(MeterRegistry registry, MeterIdPrefix id) {
    LongAdder adder = new LongAdder();
    MeterIdPrefix p = id.append("active.requests");
    // The gauge holds its object weakly: this instance's map keeps it alive.
    registry.gauge(p.name(), p.tags(), adder, LongAdder::doubleValue);
    return adder;
  }

  private void onComplete(RequestLog log) {
    RequestContext ctx = log.context();
    MeterRegistry registry = ctx.meterRegistry();
    MeterIdPrefix id = ids.completeRequestPrefix(registry, log);
    Meters m = complete.get(id);
    if (m == null) {
      m = complete.computeIfAbsent(id, i -> new Meters(registry, i, distribution));
    }
    m.requestDuration.record(log.requestDurationNanos(), TimeUnit.NANOSECONDS);
    m.requestLength.record(log.requestLength());
    m.responseDuration.record(log.responseDurationNanos(), TimeUnit.NANOSECONDS);
    m.responseLength.record(log.responseLength());
    m.totalDuration.record(log.totalDurationNanos(), TimeUnit.NANOSECONDS);
    (success.isSuccess(ctx, log) ? m.success : m.failure).increment();
    if (log.responseCause() instanceof RequestTimeoutException) {
      m.timeouts.increment();
    }
  }

  /** The completed-request meters of one id, as Armeria's service metrics name them. */
  private static final class Meters {
    final Counter success;
    final Counter failure;
    final Timer requestDuration;
    final DistributionSummary requestLength;
    final Timer responseDuration;
    final DistributionSummary responseLength;
    final Timer totalDuration;
    final Counter timeouts;

    Meters(MeterRegistry r, MeterIdPrefix id, DistributionStatisticConfig config) {
      String requests = id.name("requests");
      success = r.counter(requests, id.tags("result", "success"));
      failure = r.counter(requests, id.tags("result", "failure"));
      requestDuration = MoreMeters.newTimer(r, id.name("request.duration"), id.tags(), config);
      requestLength =
          MoreMeters.newDistributionSummary(r, id.name("request.length"), id.tags(), config);
      responseDuration = MoreMeters.newTimer(r, id.name("response.duration"), id.tags(), config);
      responseLength =
          MoreMeters.newDistributionSummary(r, id.name("response.length"), id.tags(), config);
      totalDuration = MoreMeters.newTimer(r, id.name("total.duration"), id.tags(), config);
      timeouts = r.counter(id.name("timeouts"), id.tags("cause", "RequestTimeoutException"));
    }
  }
}
