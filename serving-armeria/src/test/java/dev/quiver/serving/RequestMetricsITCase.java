package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.BlockingWebClient;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.metric.MetricCollectingService;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@link RequestMetrics} against the reference it replaces, Armeria's {@code
 * MetricCollectingService} with the same id function: two servers with the same routes (200, 4xx, a
 * thrown error, a request timeout, an unknown path) get the same random sequence of requests, and
 * their scraped {@code quiver_http_*} series must have the same names, tags and counts.
 */
class RequestMetricsITCase {
  private static Server server(ServingMetrics metrics, boolean ours) {
    ServerBuilder sb =
        Server.builder()
            .http(0)
            .meterRegistry(metrics.registry())
            .requestTimeout(Duration.ofMillis(200));
    sb.route()
        .post("exact:/v1/features:lookup")
        .defaultServiceName("/v1/features:lookup")
        .build(
            (ctx, req) -> HttpResponse.of(req.aggregate().thenApply(r -> HttpResponse.of("{}"))));
    sb.service("/bad", (ctx, req) -> HttpResponse.of(HttpStatus.BAD_REQUEST));
    sb.service(
        "/boom",
        (ctx, req) -> {
          throw new IllegalStateException("boom");
        });
    sb.service("/slow", (ctx, req) -> HttpResponse.of(new CompletableFuture<HttpResponse>()));
    if (ours) {
      sb.decorator(new RequestMetrics("quiver.http"));
    } else {
      sb.decorator(
          MetricCollectingService.newDecorator(new CachedMeterIdPrefixFunction("quiver.http")));
    }
    return sb.build();
  }

  /** The quiver_http series: name{labels} → value, without the time-dependent ones. */
  private static Map<String, String> series(String scrape) {
    Map<String, String> out = new TreeMap<>();
    for (String line : scrape.split("\n")) {
      if (!line.startsWith("quiver_http_")) {
        continue;
      }
      int sp = line.lastIndexOf(' ');
      String key = line.substring(0, sp);
      String value = line.substring(sp + 1);
      boolean timeDependent =
          key.contains("duration_seconds_sum")
              || key.contains("duration_seconds_max")
              || key.contains("duration_seconds_bucket");
      out.put(key, timeDependent ? "*" : value);
    }
    return out;
  }

  @Test
  void sameSeriesAsMetricCollectingService() throws Exception {
    ServingMetrics refMetrics = new ServingMetrics();
    ServingMetrics ourMetrics = new ServingMetrics();
    Server ref = server(refMetrics, false);
    Server ours = server(ourMetrics, true);
    ref.start().join();
    ours.start().join();
    try {
      Random rnd = new Random(5);
      String[] paths = {"/v1/features:lookup", "/bad", "/boom", "/slow", "/nowhere"};
      for (int i = 0; i < 60; i++) {
        String path = paths[i < paths.length ? i : rnd.nextInt(paths.length)];
        boolean post = rnd.nextBoolean() || path.equals("/v1/features:lookup");
        String body = "x".repeat(rnd.nextInt(100));
        for (Server s : new Server[] {ref, ours}) {
          BlockingWebClient c = BlockingWebClient.of("http://127.0.0.1:" + s.activeLocalPort());
          c.execute(
              post
                  ? HttpRequest.of(HttpMethod.POST, path, MediaType.PLAIN_TEXT_UTF_8, body)
                  : HttpRequest.of(HttpMethod.GET, path));
        }
      }
      // Completion listeners run after the response is sent: let both settle.
      Map<String, String> want = Map.of();
      Map<String, String> got = Map.of();
      for (int attempt = 0; attempt < 50; attempt++) {
        want = series(refMetrics.scrape());
        got = series(ourMetrics.scrape());
        if (want.equals(got)) {
          break;
        }
        Thread.sleep(100);
      }
      assertThat(got).isEqualTo(want);
      assertThat(want.keySet())
          .anyMatch(
              k -> k.startsWith("quiver_http_requests_total") && k.contains("http_status=\"500\""))
          .anyMatch(k -> k.startsWith("quiver_http_timeouts_total"))
          .anyMatch(k -> k.startsWith("quiver_http_active_requests"))
          .anyMatch(k -> k.startsWith("quiver_http_total_duration_seconds_bucket"));
      assertThat(want.size()).isGreaterThan(50);
    } finally {
      ref.stop().join();
      ours.stop().join();
    }
  }
}
