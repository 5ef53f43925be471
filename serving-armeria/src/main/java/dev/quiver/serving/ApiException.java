package dev.quiver.serving;

import com.linecorp.armeria.common.HttpStatus;
import java.util.List;

/**
 * A request the service refuses, with the HTTP status, a stable error code, the offending request
 * field and a message that says what is wrong and how to fix it. Rendered by {@link ApiErrors}.
 */
public final class ApiException extends RuntimeException {
  private final HttpStatus status;
  private final String code;
  private final String field;
  private final List<String> details;
  private final long retryAfterSeconds;

  public ApiException(HttpStatus status, String code, String field, String message) {
    this(status, code, field, message, List.of());
  }

  public ApiException(
      HttpStatus status, String code, String field, String message, List<String> details) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.field = field;
    this.details = List.copyOf(details);
    this.retryAfterSeconds = 0;
  }

  private ApiException(String field, String message, long retryAfterSeconds) {
    super(message, null, false, false);
    this.status = HttpStatus.TOO_MANY_REQUESTS;
    this.code = "RATE_LIMITED";
    this.field = field;
    this.details = List.of();
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** 429 with a {@code Retry-After} of {@code retryAfterSeconds} (at least 1). */
  public static ApiException throttled(String field, String message, long retryAfterSeconds) {
    return new ApiException(field, message, Math.max(1, retryAfterSeconds));
  }

  public static ApiException badRequest(String field, String message) {
    return new ApiException(HttpStatus.BAD_REQUEST, "INVALID_ARGUMENT", field, message);
  }

  public static ApiException notFound(String field, String message) {
    return new ApiException(HttpStatus.NOT_FOUND, "NOT_FOUND", field, message);
  }

  public HttpStatus status() {
    return status;
  }

  public String code() {
    return code;
  }

  public String field() {
    return field;
  }

  /** Seconds a throttled client should wait; 0 when not throttled. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public List<String> details() {
    return details;
  }
}
