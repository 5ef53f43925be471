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

  /**
   * The text between two short echoes is the message, not an echo: a label file's float join key
   * was refused with its fix cut ({@code cast the column, e.g. i… (212 characters)'user_id']}), the
   * closing quote of one echo taken for the opening quote of another. Review, session 17.
   */
  @Test
  void keepsTheTextBetweenTwoShortEchoesWhole() {
    String between = " is double (expected: " + "strings or integers, ".repeat(12) + "e.g. df[";
    String message =
        "labels: join key 'user_id' of '/data/labels.parquet'"
            + between
            + "'user_id'] = df['user_id'].astype('Int64'), which keeps missing keys)";
    assertThat(between).hasSizeGreaterThan(ApiException.ECHO_CHARS);
    assertThat(ApiException.badRequest("labels", message).getMessage()).isEqualTo(message);
    // an apostrophe inside a word opens no echo; a long echo after it is still cut
    String name = "n".repeat(300);
    assertThat(
            ApiException.badRequest("f", "the manifest's feature '" + name + "' is unknown")
                .getMessage())
        .isEqualTo("the manifest's feature '" + "n".repeat(200) + "… (300 characters)' is unknown");
  }

  /** A system the server depends on that does not answer is a 503 with its fix, not a 500. */
  @Test
  void anUnavailableDependencyIsA503WithItsMessage() {
    String message =
        "offline.properties.uri: cannot open the JDBC catalog database at"
            + " jdbc:postgresql://db/iceberg (Connection refused) (expected: the database running"
            + " and reachable, or offline.properties.uri pointing at it)";
    ApiException e = ApiErrors.toApiException(new dev.quiver.core.UnavailableException(message));
    assertThat(e.status()).isEqualTo(com.linecorp.armeria.common.HttpStatus.SERVICE_UNAVAILABLE);
    assertThat(e.code()).isEqualTo("UNAVAILABLE");
    assertThat(e.getMessage()).isEqualTo(message);
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
