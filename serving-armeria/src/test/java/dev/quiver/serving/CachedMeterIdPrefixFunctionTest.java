package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.metric.MeterIdPrefix;
import com.linecorp.armeria.common.metric.MeterIdPrefixFunction;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** {@link CachedMeterIdPrefixFunction} gives Armeria's default ids, built once per combination. */
class CachedMeterIdPrefixFunctionTest {
  private static RequestLog log(HttpMethod method, String service, String name, HttpStatus status) {
    ServiceRequestContext ctx =
        ServiceRequestContext.builder(HttpRequest.of(method, "/v1/features:lookup")).build();
    if (service != null) {
      ctx.logBuilder().name(service, name != null ? name : method.name());
    } else if (name != null) {
      ctx.logBuilder().name(name); // the service name then comes from the context's config
    }
    ctx.logBuilder().endRequest();
    if (status != null) {
      ctx.logBuilder().responseHeaders(ResponseHeaders.of(status));
    }
    ctx.logBuilder().endResponse();
    return ctx.log().ensureComplete();
  }

  @Test
  void sameIdsAsTheDefaultAndReused() {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    MeterIdPrefixFunction reference = MeterIdPrefixFunction.ofDefault("quiver.http");
    CachedMeterIdPrefixFunction cached = new CachedMeterIdPrefixFunction("quiver.http");
    HttpStatus[] statuses = {
      HttpStatus.OK,
      HttpStatus.BAD_REQUEST,
      HttpStatus.NOT_FOUND,
      HttpStatus.TOO_MANY_REQUESTS,
      HttpStatus.SERVICE_UNAVAILABLE,
      null
    };
    for (int round = 0; round < 2; round++) {
      for (HttpMethod m : new HttpMethod[] {HttpMethod.POST, HttpMethod.GET}) {
        for (String svc : new String[] {"/v1/features:lookup", "/v1/features:batchLookup", null}) {
          for (String name : new String[] {null, "lookup"}) {
            for (HttpStatus st : statuses) {
              RequestLog a = log(m, svc, name, st);
              RequestLog b = log(m, svc, name, st);
              MeterIdPrefix want = reference.completeRequestPrefix(reg, a);
              MeterIdPrefix got = cached.completeRequestPrefix(reg, a);
              assertThat(got).isEqualTo(want);
              assertThat(got.tags()).isEqualTo(want.tags());
              // A second request with the same tags gets the very same id object.
              assertThat(cached.completeRequestPrefix(reg, b)).isSameAs(got);
              assertThat(cached.activeRequestPrefix(reg, a))
                  .isEqualTo(reference.activeRequestPrefix(reg, a))
                  .isSameAs(cached.activeRequestPrefix(reg, b));
            }
          }
        }
      }
    }
  }
}
