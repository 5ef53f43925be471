package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServerOptionsTest {

  /**
   * A value the server cannot run with is refused when the options are read, naming the key.
   * Before, {@code server.plan-cache.ttl: 0s} failed later with Caffeine's {@code duration must be
   * positive: 0 NANOSECONDS} (no key), {@code server.breaker.open-window: 0s} with Armeria's {@code
   * circuitOpenWindow: PT0S}, and {@code server.lookup.default-timeout: 0s} started a server whose
   * every lookup without {@code timeout_ms} answered STALE and opened the breaker.
   */
  @ParameterizedTest
  @CsvSource({
    "server.lookup.default-timeout, 0s, 'server.lookup.default-timeout: 0s (expected: 1ms..60s'",
    "server.lookup.default-timeout, 2m, 'server.lookup.default-timeout: 2m (expected: 1ms..60s'",
    "server.plan-cache.ttl, 0s, 'server.plan-cache.ttl: 0s (expected: > 0)'",
    "server.breaker.open-window, 0s, 'server.breaker.open-window: 0s (expected: > 0)'",
    "server.cache.max-entries, -1, 'server.cache.max-entries: -1 (expected: >= 0'",
    "server.lkg.max-entries, -1, 'server.lkg.max-entries: -1 (expected: >= 0'",
    "server.breaker.minimum-requests, -1, 'server.breaker.minimum-requests: -1 (expected: >= 0)'",
  })
  void refusesValuesTheServerCannotRunWith(String key, String value, String message) {
    assertThatThrownBy(() -> ServerOptions.from(QuiverConfig.of(Map.of(key, value))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void acceptsTheBoundsAndTheDefaults() {
    ServerOptions o =
        ServerOptions.from(
            QuiverConfig.of(
                Map.of(
                    "server.lookup.default-timeout", "60s",
                    "server.cache.max-entries", "0",
                    "server.lkg.max-entries", "0",
                    "server.breaker.minimum-requests", "0")));
    assertThat(o.defaultLookupTimeout().toSeconds()).isEqualTo(60);
    assertThat(ServerOptions.defaults().planCacheTtl().toMillis()).isEqualTo(1000);
  }
}
