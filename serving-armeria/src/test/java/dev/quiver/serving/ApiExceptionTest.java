package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ApiExceptionTest {
  @Test
  void cutsEchoedInputButKeepsTheRestOfTheMessage() {
    String name = "n".repeat(5_000);
    ApiException e =
        ApiException.notFound("features[0]", "unknown feature '" + name + "' (features: a, b)");
    assertThat(e.getMessage())
        .isEqualTo("unknown feature '" + "n".repeat(200) + "… (5000 characters)' (features: a, b)");
    // short echoes and messages stay whole
    assertThat(ApiException.badRequest("f", "unknown 'x' here").getMessage())
        .isEqualTo("unknown 'x' here");
  }

  @Test
  void capsAnUnquotedEchoAndEveryDetail() {
    String ns = "s".repeat(10_000);
    ApiException e =
        new ApiException(
            com.linecorp.armeria.common.HttpStatus.BAD_REQUEST,
            "INVALID_SPEC",
            "keys[0]." + ns,
            "in namespace " + ns,
            List.of("detail " + ns));
    assertThat(e.getMessage())
        .hasSize(ApiException.MESSAGE_CHARS + "… (10013 characters)".length())
        .endsWith("… (10013 characters)");
    assertThat(e.field()).endsWith("… (10008 characters)");
    assertThat(e.details().get(0)).endsWith("… (10007 characters)");
    assertThat(ApiErrors.body(e).length).isLessThan(7_000);
  }
}
