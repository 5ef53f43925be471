package dev.quiver.serving;

import com.linecorp.armeria.common.HttpStatus;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A request the service refuses, with the HTTP status, a stable error code, the offending request
 * field and a message that says what is wrong and how to fix it. Rendered by {@link ApiErrors}.
 *
 * <p>Messages echo the client's input (a feature name, a path, a field): every quoted echo ({@code
 * '...'}) longer than {@link #ECHO_CHARS} characters is cut to its first {@value #ECHO_CHARS} with
 * {@code … (N characters)}, and a message, field or detail still longer than {@link #MESSAGE_CHARS}
 * is cut the same way ({@link #shorten}). An unknown feature name of 4 MB answered a 4 MB error
 * body.
 */
public final class ApiException extends RuntimeException {
  /** The most characters of one echoed input an error message shows. */
  static final int ECHO_CHARS = 200;

  /** The most characters of a whole message, field or detail. */
  static final int MESSAGE_CHARS = 2_000;

  /**
   * Every quoted span, short ones included, so that quotes pair left to right: matching only long
   * ones took the closing quote of one short echo for the opening quote of the next and cut the
   * message between them (a fix it spelled out). A quote inside a word ({@code manifest's}) opens
   * and closes none.
   */
  private static final Pattern QUOTED = Pattern.compile("(?<!\\w)'([^']*)'(?!\\w)");

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
    super(shortenEchoes(message), null, false, false);
    this.status = status;
    this.code = code;
    this.field = shortenEchoes(field);
    this.details = details.stream().map(ApiException::shortenEchoes).toList();
    this.retryAfterSeconds = 0;
  }

  private ApiException(String field, String message, long retryAfterSeconds) {
    super(shortenEchoes(message), null, false, false);
    this.status = HttpStatus.TOO_MANY_REQUESTS;
    this.code = "RATE_LIMITED";
    this.field = shortenEchoes(field);
    this.details = List.of();
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /**
   * {@code input} as an error message shows it: whole up to {@code max} characters, else its first
   * {@code max} and {@code … (N characters)}.
   */
  static String shorten(String input, int max) {
    if (input == null || input.length() <= max) {
      return input;
    }
    return input.substring(0, max) + "… (" + input.length() + " characters)";
  }

  /**
   * A request value shown unquoted in a message (a JSON node, a key): its text, cut like a quoted
   * echo. Only quoted echoes are cut by the constructor, so a 1,500-character {@code
   * options.timeout_ms} or key filled the message up to {@link #MESSAGE_CHARS} and cut off its
   * advice.
   */
  static String echo(Object value) {
    return shorten(String.valueOf(value), ECHO_CHARS);
  }

  /** Cuts each quoted echo of {@code text}, then the whole text (see the class comment). */
  static String shortenEchoes(String text) {
    if (text == null || text.length() <= ECHO_CHARS) {
      return text;
    }
    Matcher m = QUOTED.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(
          out, Matcher.quoteReplacement("'" + shorten(m.group(1), ECHO_CHARS) + "'"));
    }
    m.appendTail(out);
    return shorten(out.toString(), MESSAGE_CHARS);
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
