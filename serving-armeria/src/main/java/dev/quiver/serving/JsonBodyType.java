package dev.quiver.serving;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

/** The one rule for the content type and coding of every JSON POST body the server reads. */
final class JsonBodyType {
  private JsonBodyType() {}

  /**
   * A request body (a lookup, an export, a backfill) is JSON: a request naming another content type
   * (a form, text, YAML; what {@code curl -d} sends without {@code -H 'content-type:
   * application/json'}) is a 415, as FastAPI, and so Feast's feature server, answers it, rather
   * than JSON read from a body declared as something else; no content type at all is read as JSON.
   * gzip and deflate bodies were decoded by the server's {@code DecodingService} (which removed
   * their {@code content-encoding}); another coding is a 415 naming it, not a "malformed JSON" 400
   * about its compressed bytes.
   */
  static void check(RequestHeaders headers) {
    MediaType type = headers.contentType();
    if (type == null) {
      String raw = headers.get(HttpHeaderNames.CONTENT_TYPE);
      if (raw != null && !raw.isBlank()) {
        throw unsupported("content-type: '" + raw + "'");
      }
    } else if (!type.isJson()) {
      throw unsupported("content-type: '" + type + "'");
    }
    String coding = headers.get(HttpHeaderNames.CONTENT_ENCODING);
    if (coding != null && !coding.isBlank() && !"identity".equalsIgnoreCase(coding.strip())) {
      throw new ApiException(
          HttpStatus.UNSUPPORTED_MEDIA_TYPE,
          "UNSUPPORTED_MEDIA_TYPE",
          "content-encoding",
          "content-encoding: '" + coding + "' (expected: gzip, deflate or identity)");
    }
  }

  private static ApiException unsupported(String what) {
    return new ApiException(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
        "content-type",
        what + " (expected: application/json; with curl, add -H 'content-type: application/json')");
  }
}
