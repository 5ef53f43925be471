package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code Retry-After} of a 429: the bucket's wait in whole seconds, rounded up. */
class RetryAfterTest {
  @Test
  void theWaitRoundedUpToWholeSeconds() {
    assertThat(LookupService.retryAfterSeconds(1)).isEqualTo(1);
    assertThat(LookupService.retryAfterSeconds(999_999_999L)).isEqualTo(1);
    // toSeconds(wait) + 1 said 2 here: a client that honours it waited a second too long
    assertThat(LookupService.retryAfterSeconds(1_000_000_000L)).isEqualTo(1);
    assertThat(LookupService.retryAfterSeconds(1_000_000_001L)).isEqualTo(2);
    assertThat(LookupService.retryAfterSeconds(5_000_000_000L)).isEqualTo(5);
  }
}
