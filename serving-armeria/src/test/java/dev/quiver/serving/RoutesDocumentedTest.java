package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.server.Route;
import com.linecorp.armeria.server.ServiceConfig;
import dev.quiver.core.registry.testing.InMemoryFeatureRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps the hand-written OpenAPI document, docs/api.md and docs/serving.md in step with the code:
 * every route the server binds (and each of its methods) is in openapi.json and in docs/api.md, and
 * every server option is documented in docs/serving.md.
 */
class RoutesDocumentedTest {

  @Test
  void everyRouteIsInTheOpenApiDocumentAndTheApiDocs() throws Exception {
    JsonNode doc = new ObjectMapper().readTree(QuiverServer.resource("openapi.json"));
    String apiMd = Files.readString(docs().resolve("api.md"));
    List<String> missing = new ArrayList<>();
    try (QuiverServer s =
        QuiverServer.newServer(
            ServerOptions.defaults().withPort(0),
            new InMemoryFeatureRegistry(),
            new InMemoryFeatureSource(),
            Authorizer.ALLOW_ALL,
            new ServingMetrics())) {
      for (ServiceConfig sc : s.serviceConfigs()) {
        Route route = sc.route();
        String path = openApiPath(route);
        if (path.equals("/docs/*")) {
          // Armeria's DocService: a browsable UI, not an API operation; only docs/api.md names it.
          if (!apiMd.contains("/docs/")) {
            missing.add("docs/api.md: /docs/");
          }
          continue;
        }
        Set<HttpMethod> methods = route.methods();
        JsonNode item = doc.path("paths").path(path);
        for (HttpMethod m : methods) {
          if (m == HttpMethod.HEAD
              || m == HttpMethod.OPTIONS
              || m == HttpMethod.TRACE
              || m == HttpMethod.CONNECT
              || m == HttpMethod.UNKNOWN) {
            continue;
          }
          boolean plainService = methods.size() > 5; // bound with sb.service(): any method
          if (plainService && m != HttpMethod.GET && m != HttpMethod.POST) {
            continue;
          }
          if (plainService && !item.has(m.name().toLowerCase(Locale.ROOT))) {
            continue; // a catch-all service only needs the methods it documents
          }
          if (!item.has(m.name().toLowerCase(Locale.ROOT))) {
            missing.add("openapi.json: " + m + " " + path);
          }
        }
        if (item.isMissingNode() || item.isEmpty()) {
          missing.add("openapi.json: " + path);
        }
        if (!apiMd.contains(path)) {
          missing.add("docs/api.md: " + path);
        }
      }
    }
    assertThat(missing).isEmpty();
  }

  /**
   * The route table at the top of docs/api.md lists every operation of openapi.json, including
   * those of the offline service that the test server above does not bind, and nothing else.
   */
  @Test
  void theRouteTableOfTheApiDocsListsEveryOperation() throws Exception {
    JsonNode doc = new ObjectMapper().readTree(QuiverServer.resource("openapi.json"));
    Set<String> operations = new TreeSet<>();
    doc.path("paths")
        .fields()
        .forEachRemaining(
            path ->
                path.getValue()
                    .fieldNames()
                    .forEachRemaining(
                        m -> {
                          if (Set.of("get", "post", "put", "patch", "delete").contains(m)) {
                            operations.add(m.toUpperCase(Locale.ROOT) + " " + path.getKey());
                          }
                        }));
    Set<String> table = new TreeSet<>();
    Matcher row =
        Pattern.compile("^\\| (GET|POST|PUT|PATCH|DELETE) \\| `(/v1/[^`]+)` \\|", Pattern.MULTILINE)
            .matcher(Files.readString(docs().resolve("api.md")));
    while (row.find()) {
      table.add(row.group(1) + " " + row.group(2));
    }
    assertThat(operations).isNotEmpty();
    assertThat(table).as("the route table of docs/api.md").isEqualTo(operations);
  }

  @Test
  void everyServerOptionIsDocumented() throws Exception {
    String md = Files.readString(docs().resolve("serving.md"));
    assertThat(ServerOptions.ALL)
        .allSatisfy(o -> assertThat(md).as(o.key()).contains("`" + o.key() + "`"));
  }

  static Path docs() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("docs"))) {
      p = p.getParent();
    }
    return p.resolve("docs");
  }

  /**
   * {@code ^/a/(?<name>[^/:]+)/b$} → {@code /a/{name}/b}; exact and prefix patterns as they are.
   */
  static String openApiPath(Route route) {
    String p = route.patternString();
    if (p.startsWith("^")) {
      p = p.substring(1, p.length() - (p.endsWith("$") ? 1 : 0));
      p = p.replaceAll("\\(\\?<(\\w+)>[^)]*\\)", "{$1}");
    }
    return p.replace("/:", "/{").replaceAll("\\{(\\w+)(?=/|$)", "{$1}");
  }
}
