package dev.quiver.serving;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import java.nio.charset.StandardCharsets;

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
    } else {
      requireUtf8(type);
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

  /**
   * JSON is UTF-8 (RFC 8259), and the body is read as UTF-8: a body declared in another charset (a
   * Latin-1 client) answered "malformed JSON: Invalid UTF-8 middle byte", or, where its bytes
   * happened to be valid UTF-8, was read as other characters than the client meant.
   */
  private static void requireUtf8(MediaType type) {
    java.util.List<String> charsets = type.parameters().get("charset");
    if (charsets == null) {
      return;
    }
    for (String cs : charsets) {
      String name = cs.strip();
      boolean utf8;
      try {
        utf8 = java.nio.charset.Charset.forName(name).equals(StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) { // unknown or illegal charset name
        utf8 = false;
      }
      if (!utf8) {
        throw new ApiException(
            HttpStatus.UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "content-type",
            "content-type: '"
                + type
                + "' declares charset "
                + name
                + " (expected: UTF-8, the encoding of JSON; send the body in UTF-8 and drop the"
                + " charset or name utf-8)");
      }
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
