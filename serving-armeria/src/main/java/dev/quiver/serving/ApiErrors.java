package dev.quiver.serving;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.RequestTimeoutException;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.quiver.core.UnavailableException;
import dev.quiver.core.config.YamlMessages;
import dev.quiver.core.registry.RegistryException;
import dev.quiver.core.registry.store.RegistryUnavailableException;
import dev.quiver.core.spec.SpecException;
import dev.quiver.core.spec.SpecProblem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become HTTP responses. Every error body is {@code
 * {"error":{"code","message","field"[,"details"]}}}; a stack trace never reaches a client. Typed
 * exceptions map as follows: {@link ApiException} → its own status; {@link RegistryException}
 * NOT_FOUND → 404, CONFLICT/BREAKING_CHANGE → 409, INVALID → 400, GONE → 410; {@link SpecException}
 * → 400 with every problem in {@code details}; {@link RegistryUnavailableException} (the registry
 * database does not answer) → 503 REGISTRY_UNAVAILABLE; {@link UnavailableException} (another
 * system, such as the offline catalog's database) → 503 UNAVAILABLE; {@link
 * IllegalArgumentException} and malformed JSON → 400; anything else → 500 with a generic message
 * (and a log line).
 */
final class ApiErrors implements ServerErrorHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ServingMetrics metrics;

  ApiErrors(ServingMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
    Throwable t = unwrap(cause);
    if (t instanceof com.linecorp.armeria.server.HttpStatusException h) {
      return toResponse(fromStatus(h.httpStatus(), ctx.request().headers(), ctx.config()));
    }
    if (t instanceof com.linecorp.armeria.common.ContentTooLargeException) {
      return toResponse(
          fromStatus(HttpStatus.REQUEST_ENTITY_TOO_LARGE, ctx.request().headers(), ctx.config()));
    }
    return toResponse(toApiException(t));
  }

  @Override
  public AggregatedHttpResponse renderStatus(
      ServiceRequestContext ctx,
      ServiceConfig config,
      RequestHeaders headers,
      HttpStatus status,
      String description,
      Throwable cause) {
    ApiException e;
    if (status.isClientError()) {
      // the request's own fault, found by the HTTP decoder (a request line or headers over the
      // limits, a bad percent-encoding): its cause is no server bug (it was answered 500 INTERNAL
      // with a stack trace in the log)
      e = fromStatus(status, headers, config, cause == null ? description : cause.getMessage());
    } else if (cause != null
        && !(cause instanceof com.linecorp.armeria.server.HttpStatusException)) {
      e = toApiException(cause);
    } else {
      e = fromStatus(status, headers, config);
    }
    if (e == null) {
      return null;
    }
    metrics.error(e.code());
    return AggregatedHttpResponse.of(
        ResponseHeaders.of(e.status(), HttpHeaderNames.CONTENT_TYPE, MediaType.JSON_UTF_8),
        com.linecorp.armeria.common.HttpData.wrap(body(e)));
  }

  private static ApiException fromStatus(
      HttpStatus status, RequestHeaders headers, ServiceConfig config) {
    return fromStatus(status, headers, config, null);
  }

  /**
   * @param detail what the HTTP layer said was wrong, or null
   */
  private static ApiException fromStatus(
      HttpStatus status, RequestHeaders headers, ServiceConfig config, String detail) {
    String path = headers == null ? "" : headers.path();
    String why = detail == null || detail.isBlank() ? "" : " (" + detail + ")";
    return switch (status.code()) {
      case 400 ->
          ApiException.badRequest(
              null,
              "malformed HTTP request"
                  + why
                  + "; check the path's percent-encoding and the headers");
      case 414 ->
          new ApiException(
              status,
              "URI_TOO_LONG",
              null,
              "the request line (method, path and query string) is too long"
                  + why
                  + "; shorten the path or query string");
      case 431 ->
          new ApiException(
              status,
              "HEADERS_TOO_LARGE",
              null,
              "the request headers are too large" + why + "; send fewer or smaller headers");
      case 404 ->
          new ApiException(
              status,
              "NOT_FOUND",
              null,
              "no such endpoint: "
                  + (headers == null ? "" : headers.method() + " ")
                  + ApiException.shorten(path, ApiException.ECHO_CHARS)
                  + " (see GET /v1/openapi.json for the API)");
      case 405 ->
          new ApiException(
              status,
              "METHOD_NOT_ALLOWED",
              "method",
              "method "
                  + (headers == null ? "?" : headers.method())
                  + " is not allowed on "
                  + ApiException.shorten(path, ApiException.ECHO_CHARS)
                  + " (see GET /v1/openapi.json)");
      case 413 ->
          new ApiException(
              status,
              "PAYLOAD_TOO_LARGE",
              "body",
              "request body is larger than "
                  + (config == null ? "the limit" : config.maxRequestLength() + " bytes")
                  + " (once decoded, if compressed); send a smaller body (fewer keys per"
                  + " lookup), or raise the limit with server.max-request-length");
      case 503 ->
          new ApiException(
              status, "UNAVAILABLE", null, "the server is shutting down or overloaded; retry");
      case 408 ->
          new ApiException(
              HttpStatus.SERVICE_UNAVAILABLE,
              "TIMEOUT",
              null,
              "the request did not complete within the server's request timeout");
      default ->
          status.isError()
              ? new ApiException(
                  status,
                  status.reasonPhrase().toUpperCase().replace(' ', '_'),
                  null,
                  status.reasonPhrase())
              : null;
    };
  }

  /**
   * A 405 with the {@code Allow} header RFC 9110 requires, and the same methods in the message: the
   * methods the routes of the request's path take, found by routing the request again with each.
   * Called by the server's decorator for a request the router refused for its method (the fallback
   * service's 405 reaches {@link #renderStatus} without the routing context).
   */
  HttpResponse methodNotAllowed(ServiceRequestContext ctx) {
    ApiException e =
        fromStatus(HttpStatus.METHOD_NOT_ALLOWED, ctx.request().headers(), ctx.config());
    java.util.List<String> allowed = new java.util.ArrayList<>();
    for (com.linecorp.armeria.common.HttpMethod m : ALLOW_CANDIDATES) {
      if (ctx.config()
          .virtualHost()
          .findServiceConfig(ctx.routingContext().withMethod(m), false)
          .isPresent()) {
        allowed.add(m.name());
      }
    }
    if (allowed.isEmpty()) {
      return toResponse(e);
    }
    String allow = String.join(", ", allowed);
    ApiException withAllowed =
        new ApiException(
            e.status(),
            e.code(),
            e.field(),
            e.getMessage().replace(" (see GET ", " (allowed: " + allow + "; see GET "));
    metrics.error(withAllowed.code());
    return HttpResponse.of(
        ResponseHeaders.builder(withAllowed.status())
            .contentType(MediaType.JSON_UTF_8)
            .add(HttpHeaderNames.ALLOW, allow)
            .build(),
        com.linecorp.armeria.common.HttpData.wrap(body(withAllowed)));
  }

  /**
   * The 404 of a path that only a trailing slash keeps from a route ({@code /v1/features:lookup/}),
   * naming the route; null for any other path. (Armeria's fallback already redirects the other way,
   * a path missing its slash.)
   */
  HttpResponse trailingSlash(ServiceRequestContext ctx) {
    String path = ctx.routingContext().path();
    if (path.length() < 2 || !path.endsWith("/")) {
      return null;
    }
    String bare = path.replaceAll("/+$", "");
    if (bare.isEmpty()
        || !ctx.config()
            .virtualHost()
            .findServiceConfig(ctx.routingContext().withPath(bare), false)
            .isPresent()) {
      return null;
    }
    return toResponse(
        new ApiException(
            HttpStatus.NOT_FOUND,
            "NOT_FOUND",
            null,
            "no such endpoint: "
                + ctx.method()
                + " "
                + ApiException.shorten(path, ApiException.ECHO_CHARS)
                + "; did you mean "
                + ApiException.shorten(bare, ApiException.ECHO_CHARS)
                + " (without the trailing slash)? (see GET /v1/openapi.json for the API)"));
  }

  private static final List<com.linecorp.armeria.common.HttpMethod> ALLOW_CANDIDATES =
      List.of(
          com.linecorp.armeria.common.HttpMethod.GET,
          com.linecorp.armeria.common.HttpMethod.HEAD,
          com.linecorp.armeria.common.HttpMethod.POST,
          com.linecorp.armeria.common.HttpMethod.PUT,
          com.linecorp.armeria.common.HttpMethod.PATCH,
          com.linecorp.armeria.common.HttpMethod.DELETE);

  HttpResponse toResponse(ApiException e) {
    metrics.error(e.code());
    ResponseHeaders headers =
        e.retryAfterSeconds() > 0
            ? ResponseHeaders.builder(e.status())
                .contentType(MediaType.JSON_UTF_8)
                .add(HttpHeaderNames.RETRY_AFTER, Long.toString(e.retryAfterSeconds()))
                .build()
            : ResponseHeaders.of(e.status(), HttpHeaderNames.CONTENT_TYPE, MediaType.JSON_UTF_8);
    return HttpResponse.of(headers, com.linecorp.armeria.common.HttpData.wrap(body(e)));
  }

  private static Throwable unwrap(Throwable cause) {
    Throwable t = cause;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  static ApiException toApiException(Throwable cause) {
    Throwable t = unwrap(cause);
    if (t instanceof ApiException a) {
      return a;
    }
    if (t instanceof RegistryException r) {
      HttpStatus s =
          switch (r.kind()) {
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case CONFLICT, BREAKING_CHANGE -> HttpStatus.CONFLICT;
            case INVALID -> HttpStatus.BAD_REQUEST;
            case GONE -> HttpStatus.GONE;
          };
      return new ApiException(s, r.kind().name(), r.field(), r.getMessage());
    }
    if (t instanceof RegistryUnavailableException u) {
      // the registry database is down: the client's request may succeed later (a 500 INTERNAL
      // with "see the server log" sent the operator hunting for a bug)
      return new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "REGISTRY_UNAVAILABLE",
          null,
          u.getMessage()
              + " (lookups of feature lists this server has resolved keep answering; see GET"
              + " /v1/health)");
    }
    if (t instanceof UnavailableException u) {
      // a system the server depends on (the offline catalog's database) does not answer
      return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "UNAVAILABLE", null, u.getMessage());
    }
    if (t instanceof SpecException s) {
      List<String> details =
          s.problems().stream().filter(SpecProblem::isError).map(SpecProblem::describe).toList();
      String first = details.isEmpty() ? s.getMessage() : details.get(0);
      return new ApiException(
          HttpStatus.BAD_REQUEST,
          "INVALID_SPEC",
          s.firstPath() == null || s.firstPath().isBlank() ? null : s.firstPath(),
          details.size() + " error(s) in spec; first: " + first,
          details);
    }
    Throwable decode = decompressionFailure(t);
    if (decode != null) {
      String coding =
          decode instanceof RequestBodyDecoder.BodyDecodingException b
              ? b.coding()
              : "gzip or deflate";
      return ApiException.badRequest(
          "content-encoding",
          "malformed request body: the "
              + coding
              + " body is truncated or corrupt ("
              + decode.getMessage()
              + "); send the whole body compressed as content-encoding says, or drop"
              + " content-encoding");
    }
    if (t instanceof JsonProcessingException j) {
      return ApiException.badRequest(
          null, "malformed JSON: " + YamlMessages.concise(j.getOriginalMessage()) + locationOf(j));
    }
    if (t instanceof IllegalArgumentException i) {
      return ApiException.badRequest(null, i.getMessage());
    }
    if (t instanceof RequestTimeoutException) {
      return new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "TIMEOUT",
          null,
          "the request did not complete within the server's request timeout");
    }
    LOG.warn("unexpected error serving a request", t);
    return new ApiException(
        HttpStatus.INTERNAL_SERVER_ERROR,
        "INTERNAL",
        null,
        "internal error (" + t.getClass().getSimpleName() + "); see the server log");
  }

  /**
   * The DecodingService's failure to inflate a request body (bytes that are not what the
   * content-encoding says), possibly among the several a stream reports at once; else null.
   */
  private static Throwable decompressionFailure(Throwable t) {
    if (t instanceof io.netty.handler.codec.compression.DecompressionException) {
      return t;
    }
    if (t instanceof com.linecorp.armeria.common.util.CompositeException c) {
      for (Throwable e : c.getExceptions()) {
        if (e instanceof io.netty.handler.codec.compression.DecompressionException) {
          return e;
        }
      }
    }
    return null;
  }

  private static String locationOf(JsonProcessingException j) {
    return j.getLocation() == null
        ? ""
        : " at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr();
  }

  static byte[] body(ApiException e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeObjectFieldStart("error");
      g.writeStringField("code", e.code());
      g.writeStringField("message", e.getMessage());
      g.writeStringField("field", e.field());
      if (!e.details().isEmpty()) {
        g.writeArrayFieldStart("details");
        for (String d : e.details()) {
          g.writeString(d);
        }
        g.writeEndArray();
      }
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return out.toByteArray();
  }
}
