package dev.quiver.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Header;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.registry.RegistryException;
import dev.quiver.core.registry.ViewQuery;
import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.SpecParser;
import dev.quiver.core.spec.ViewStatus;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The registry REST API ({@code /v1/registry/...}), a thin adapter over {@link FeatureRegistry}.
 * Every method is {@link Blocking}: the registry talks to a database. Errors are thrown as typed
 * exceptions and rendered by {@link ApiErrors}.
 */
final class RegistryService {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final int MAX_PAGE = 1000;

  private final FeatureRegistry registry;
  private final SpecCodec codec;

  RegistryService(FeatureRegistry registry, SpecCodec codec) {
    this.registry = registry;
    this.codec = codec;
  }

  static void register(
      ServerBuilder sb, FeatureRegistry registry, Function<HttpService, HttpService> protect) {
    sb.annotatedService()
        .decorator(protect::apply)
        .build(new RegistryService(registry, new SpecCodec(registry)));
  }

  private static Integer integer(String text) {
    try {
      return Integer.valueOf(text.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  @Get("/v1/registry/featureViews")
  @Blocking
  public HttpResponse listViews(
      QueryParams query,
      @Param("namespace") @Default("") String namespace,
      @Param("owner") @Default("") String owner,
      @Param("tag") @Default("") String tag,
      @Param("status") @Default("") String status,
      @Param("q") @Default("") String q,
      @Param("limit") @Default("100") String limitText,
      @Param("offset") @Default("0") String offsetText) {
    KnownParams.only(query, "namespace", "owner", "tag", "status", "q", "limit", "offset");
    // taken as text: Armeria's own int conversion answers "For input string: ..." without a field
    Integer limit = integer(limitText);
    if (limit == null || limit < 1 || limit > MAX_PAGE) {
      throw ApiException.badRequest(
          "limit", "limit: '" + limitText + "' (expected: an integer 1.." + MAX_PAGE + ")");
    }
    Integer offset = integer(offsetText);
    if (offset == null || offset < 0) {
      throw ApiException.badRequest(
          "offset", "offset: '" + offsetText + "' (expected: an integer >= 0)");
    }
    ViewStatus st = null;
    if (!status.isEmpty()) {
      try {
        st = ViewStatus.valueOf(status.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest(
            "status", "status: '" + status + "' (expected: DRAFT, ACTIVE, DEPRECATED or RETIRED)");
      }
    }
    List<ViewRecord> all =
        registry.listViews(
            new ViewQuery(
                blankToNull(namespace),
                blankToNull(owner),
                blankToNull(tag),
                st,
                blankToNull(q),
                offset + limit + 1));
    ObjectNode body = JSON.createObjectNode();
    ArrayNode items = body.putArray("items");
    for (int i = offset; i < Math.min(all.size(), offset + limit); i++) {
      items.add(codec.toJson(all.get(i)));
    }
    if (all.size() > offset + limit) {
      body.put("next_offset", offset + limit);
    } else {
      body.putNull("next_offset");
    }
    return HttpResponse.ofJson(body);
  }

  @Get("regex:^/v1/registry/featureViews/(?<name>[^/:]+)/versions/(?<version>[^/:]+)$")
  @Blocking
  public HttpResponse getView(
      QueryParams query,
      @Param("name") String name,
      @Param("version") String version,
      @Param("namespace") @Default("default") String namespace) {
    KnownParams.only(query, "namespace");
    namespace = orDefault(namespace);
    ViewRecord rec = registry.getView(namespace, name, version);
    String etag = registry.headVersion(namespace, name).orElse(rec.version().toString());
    return HttpResponse.of(
        ResponseHeaders.builder(HttpStatus.OK)
            .contentType(MediaType.JSON_UTF_8)
            .add(HttpHeaderNames.ETAG, "\"" + etag + "\"")
            .build(),
        HttpData.ofUtf8(codec.toJson(rec).toString()));
  }

  @Get("regex:^/v1/registry/featureViews/(?<name>[^/:]+)/versions$")
  @Blocking
  public HttpResponse versions(
      QueryParams query,
      @Param("name") String name,
      @Param("namespace") @Default("default") String namespace) {
    KnownParams.only(query, "namespace");
    namespace = orDefault(namespace);
    // the registry's NOT_FOUND (field name, with a "did you mean") for a view it does not have
    List<ViewRecord> versions = registry.versions(namespace, name);
    ObjectNode body = JSON.createObjectNode();
    ArrayNode items = body.putArray("items");
    versions.forEach(v -> items.add(codec.toJson(v)));
    return HttpResponse.ofJson(body);
  }

  /**
   * Lineage of a view: its upstream sources (of every non-retired version) and its downstream
   * consumers (the feature services that reference it), as {@code quiver describe} prints them.
   */
  @Get("regex:^/v1/registry/featureViews/(?<name>[^/:]+)/lineage$")
  @Blocking
  public HttpResponse lineage(
      QueryParams query,
      @Param("name") String name,
      @Param("namespace") @Default("default") String namespace) {
    KnownParams.only(query, "namespace");
    namespace = orDefault(namespace);
    FeatureRegistry.Lineage lineage = registry.lineage(namespace, name); // NOT_FOUND as versions
    ObjectNode body = JSON.createObjectNode();
    body.put("namespace", namespace).put("name", name);
    ArrayNode up = body.putArray("upstream_sources");
    lineage.upstreamSources().forEach(up::add);
    ArrayNode down = body.putArray("downstream_consumers");
    lineage.downstreamConsumers().forEach(down::add);
    return HttpResponse.ofJson(body);
  }

  @Post("regex:^/v1/registry/featureViews/(?<name>[^/:]+)/versions/(?<version>[^/:]+):deprecate$")
  @Blocking
  public HttpResponse deprecate(
      QueryParams query,
      @Param("name") String name,
      @Param("version") String version,
      @Param("namespace") @Default("default") String namespace,
      @Param("sunset") @Default("") String sunset,
      @Param("actor") @Default("api") String actor) {
    KnownParams.only(query, "namespace", "sunset", "actor");
    namespace = orDefault(namespace);
    Instant sunsetAt = null;
    if (!sunset.isEmpty()) {
      try {
        sunsetAt = Instant.parse(sunset);
      } catch (DateTimeParseException e) {
        throw ApiException.badRequest(
            "sunset",
            "sunset: '" + sunset + "' (expected: an ISO-8601 instant like 2026-01-31T00:00:00Z)");
      }
    }
    try {
      dev.quiver.core.registry.Sunsets.requireFuture("sunset", sunsetAt, Instant.now());
    } catch (RegistryException e) {
      // this API has no retire; the CLI has (quiver deprecate --retire)
      throw ApiException.badRequest(
          "sunset",
          e.getMessage()
              .replace(
                  "to retire it now, retire it)",
                  "to retire it now: quiver deprecate "
                      + (namespace.equals("default") ? "" : namespace + ".")
                      + name
                      + ":"
                      + version
                      + " --retire)"));
    }
    ViewRecord rec = registry.getView(namespace, name, version);
    ViewRecord after =
        registry.setStatus(
            namespace, name, rec.version().toString(), ViewStatus.DEPRECATED, sunsetAt, actor);
    return HttpResponse.ofJson(codec.toJson(after));
  }

  /**
   * A spec is JSON or YAML (or says nothing). The form type, which {@code curl -d} and {@code
   * --data-binary} send without {@code -H 'content-type: ...'}, made Armeria read the body as form
   * fields: the answer was "unknown query parameter 'kind: feature_view\nname: ...'".
   */
  private static void checkSpecType(MediaType type) {
    if (type == null
        || type.isJson()
        || type.subtype().equals("yaml")
        || type.subtype().equals("x-yaml")
        || type.subtype().endsWith("+yaml")) {
      return;
    }
    throw new ApiException(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
        "content-type",
        "content-type: '"
            + type
            + "' (expected: application/json or application/yaml; with curl, add -H"
            + " 'content-type: application/yaml')");
  }

  @Post("/v1/registry/featureViews")
  @Blocking
  public HttpResponse applyView(
      AggregatedHttpRequest req,
      QueryParams query,
      @Param("dry_run") @Default("false") String dryRunText,
      @Header("If-Match") @Default("") String ifMatch,
      @Header("X-Quiver-Actor") @Default("api") String actor) {
    checkSpecType(req.contentType());
    KnownParams.only(query, "dry_run");
    // taken as text: Armeria's boolean conversion answers "Can't convert 'yes' to type 'boolean'."
    // without naming the parameter
    boolean dryRun;
    if (dryRunText.equalsIgnoreCase("true")) {
      dryRun = true;
    } else if (dryRunText.equalsIgnoreCase("false")) {
      dryRun = false;
    } else {
      throw ApiException.badRequest(
          "dry_run", "dry_run: '" + dryRunText + "' (expected: true or false)");
    }
    String text = req.contentUtf8();
    if (text.isBlank()) {
      throw ApiException.badRequest(null, "request body: empty (expected: a feature view spec)");
    }
    SpecParser.ParseResult parsed = codec.parse(text);
    FeatureRegistry.SpecBundle bundle = parsed.bundle();
    if (bundle.views().isEmpty()
        && bundle.entities().isEmpty()
        && bundle.services().isEmpty()
        && bundle.sources().isEmpty()) {
      throw ApiException.badRequest(null, "request body: no spec found (expected: a feature view)");
    }
    List<FeatureRegistry.Precondition> preconditions = new ArrayList<>();
    if (!ifMatch.isBlank()) {
      // If-Match: the version the caller last read ("v3.1"), or "none" for a view that must not
      // exist yet. The registry checks it atomically with the write and answers CONFLICT (409).
      String expected = ifMatch.replace("\"", "").trim();
      for (FeatureView v : bundle.views()) {
        preconditions.add(
            new FeatureRegistry.Precondition(
                v.namespace(), v.name(), expected.equalsIgnoreCase("none") ? null : expected));
      }
    }
    var result = registry.apply(bundle, actor, dryRun, preconditions);
    ObjectNode body = codec.applyResultJson(result);
    ArrayNode parseWarnings = (ArrayNode) body.get("warnings");
    parsed.warnings().forEach(w -> parseWarnings.add(w.describe()));
    if (!dryRun && !bundle.views().isEmpty()) {
      FeatureView v = bundle.views().get(0);
      registry
          .findView(v.namespace(), v.name(), "v" + v.version().major())
          .ifPresent(r -> body.set("view", codec.toJson(r)));
    }
    // a dry run creates nothing: 200 with the plan (its changes still say CREATE)
    boolean created =
        !dryRun
            && result.changes().stream()
                .anyMatch(c -> c.action().equals("CREATE") || c.action().equals("NEW_MAJOR"));
    return HttpResponse.of(
        created ? HttpStatus.CREATED : HttpStatus.OK, MediaType.JSON_UTF_8, body.toString());
  }

  @Get("/v1/registry/entities")
  @Blocking
  public HttpResponse entities(
      QueryParams query, @Param("namespace") @Default("default") String namespace) {
    KnownParams.only(query, "namespace");
    namespace = orDefault(namespace);
    ObjectNode body = JSON.createObjectNode();
    ArrayNode items = body.putArray("items");
    registry.listEntities(namespace).forEach(e -> items.add(codec.toJson(e)));
    return HttpResponse.ofJson(body);
  }

  @Get("/v1/registry/featureServices")
  @Blocking
  public HttpResponse services(
      QueryParams query, @Param("namespace") @Default("default") String namespace) {
    KnownParams.only(query, "namespace");
    namespace = orDefault(namespace);
    ObjectNode body = JSON.createObjectNode();
    ArrayNode items = body.putArray("items");
    registry.listServices(namespace).forEach(s -> items.add(codec.toJson(s)));
    return HttpResponse.ofJson(body);
  }

  /** {@code ?namespace=} (blank) as if absent: the default namespace. */
  private static String orDefault(String namespace) {
    return namespace.isBlank() ? FeatureView.DEFAULT_NAMESPACE : namespace;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
