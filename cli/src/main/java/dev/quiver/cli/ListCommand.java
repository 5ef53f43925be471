package dev.quiver.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quiver.core.registry.ViewQuery;
import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.Durations;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.ViewStatus;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code quiver list}: the feature views, newest version of each, filtered. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = "Lists feature views (the newest non-retired version of each).")
final class ListCommand implements Callable<Integer> {
  enum Output {
    table,
    json
  }

  @ParentCommand QuiverCli parent;

  @Option(names = "--namespace", paramLabel = "NS", description = "Only this namespace.")
  String namespace;

  @Option(names = "--owner", paramLabel = "OWNER", description = "Only views with this owner.")
  String owner;

  @Option(names = "--tag", paramLabel = "KEY[=VALUE]", description = "Only views with this tag.")
  String tag;

  @Option(
      names = "--status",
      paramLabel = "STATUS",
      description = "Only views in this status: ${COMPLETION-CANDIDATES}.",
      converter = StatusConverter.class)
  ViewStatus status;

  @Option(
      names = "--search",
      paramLabel = "TEXT",
      description = "Text in the name, description or feature names (case-insensitive).")
  String search;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "1000",
      description = "At most this many views.")
  int limit;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "table",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Output output;

  @Override
  public Integer call() throws Exception {
    if (limit <= 0) {
      throw new IllegalArgumentException("--limit: " + limit + " (expected: > 0)");
    }
    List<ViewRecord> views =
        parent
            .environment()
            .registry()
            .listViews(new ViewQuery(namespace, owner, tag, status, search, limit));
    PrintWriter out = parent.spec.commandLine().getOut();
    if (output == Output.json) {
      ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      out.println(json.writeValueAsString(views.stream().map(ListCommand::asJson).toList()));
    } else {
      printTable(out, views);
    }
    out.flush();
    return ExitCode.OK;
  }

  static Map<String, Object> asJson(ViewRecord r) {
    FeatureView v = r.view();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("namespace", v.namespace());
    m.put("name", v.name());
    m.put("version", v.version().toString());
    m.put("status", v.status().name());
    m.put("owner", v.owner());
    m.put("entities", v.entities());
    m.put("ttl", Durations.format(v.ttl()));
    m.put("tags", v.tags());
    m.put("description", v.description());
    m.put(
        "features",
        v.features().stream()
            .map(f -> Map.of("name", f.name(), "dtype", f.dtype().toString()))
            .toList());
    m.put("created_at", r.createdAt().toString());
    m.put("created_by", r.createdBy());
    if (r.sunsetAt() != null) {
      m.put("sunset_at", r.sunsetAt().toString());
    }
    m.put("warnings", r.warnings());
    return m;
  }

  private static void printTable(PrintWriter out, List<ViewRecord> views) {
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "NAMESPACE", "NAME", "VERSION", "STATUS", "OWNER", "ENTITIES", "FEATURES", "TTL", "TAGS"
        });
    for (ViewRecord r : views) {
      FeatureView v = r.view();
      rows.add(
          new String[] {
            v.namespace(),
            v.name(),
            v.version().toString(),
            v.status().name(),
            v.owner(),
            String.join(",", v.entities()),
            Integer.toString(v.features().size()),
            Durations.format(v.ttl()),
            v.tags().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","))
          });
    }
    Table.print(out, rows);
    out.println(views.size() + (views.size() == 1 ? " view" : " views"));
  }

  static final class StatusConverter implements picocli.CommandLine.ITypeConverter<ViewStatus> {
    @Override
    public ViewStatus convert(String value) {
      try {
        return ViewStatus.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(
            "'" + value + "' is not a status (expected: DRAFT, ACTIVE, DEPRECATED or RETIRED)");
      }
    }
  }
}
