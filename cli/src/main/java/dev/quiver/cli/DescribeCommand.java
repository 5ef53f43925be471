package dev.quiver.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.registry.FeatureRegistry.Lineage;
import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.SpecWriter;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code quiver describe VIEW[:VERSION]}: the spec as YAML, its versions, lineage and warnings. */
@Command(
    name = "describe",
    mixinStandardHelpOptions = true,
    description = {
      "Shows one view version: its spec (as YAML, the form apply reads), every version with its"
          + " status, upstream sources and downstream consumers, and reader warnings.",
      "VERSION is latest (the newest ACTIVE version, the default), v3 (newest revision of major 3)"
          + " or v3.1.",
      "Exit codes: 0 ok, 2 usage, 5 no such view or version."
    })
final class DescribeCommand implements Callable<Integer> {
  enum Output {
    yaml,
    json
  }

  @ParentCommand QuiverCli parent;

  @Mixin ViewRefArgs target;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "yaml",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Output output;

  /** How many of a view's newest backfills {@code describe} shows. */
  static final int BACKFILLS_SHOWN = 10;

  @Override
  public Integer call() throws Exception {
    ViewRef view = target.parse();
    FeatureRegistry registry = parent.environment().registry();
    ViewRecord record = target.record(registry);
    List<ViewRecord> versions = registry.versions(view.namespace(), view.view());
    Lineage lineage = registry.lineage(view.namespace(), view.view());
    // the backfills' audit entries (FlinkOfflineService records one per backfill), newest first
    List<dev.quiver.core.registry.AuditEntry> backfills =
        registry.audit(view.namespace(), view.view(), 500).stream()
            .filter(a -> "backfill".equals(a.action()))
            .limit(BACKFILLS_SHOWN)
            .toList();
    PrintWriter out = parent.spec.commandLine().getOut();
    if (output == Output.json) {
      Map<String, Object> m = new LinkedHashMap<>(ListCommand.asJson(record));
      m.put("spec", SpecWriter.toMap(record.view()));
      m.put("versions", versions.stream().map(DescribeCommand::versionJson).toList());
      m.put("upstream_sources", lineage.upstreamSources());
      m.put("downstream_consumers", lineage.downstreamConsumers());
      ObjectMapper json = new ObjectMapper();
      List<Map<String, Object>> bf = new ArrayList<>();
      for (var a : backfills) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("at", a.at().toString());
        e.put("actor", a.actor());
        e.put("version", a.version());
        e.put("detail", json.readTree(a.detail()));
        bf.add(e);
      }
      m.put("backfills", bf);
      out.println(
          new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
    } else {
      out.println(
          "# "
              + record.view().qualifiedName()
              + ":"
              + record.version()
              + " ("
              + record.view().status()
              + "), applied "
              + record.createdAt()
              + " by "
              + record.createdBy());
      out.print(SpecWriter.yaml(record.view()));
      PrintWriter spec = out;
      // the rest is printed as YAML comments, so that the output is a spec that apply reads
      java.io.StringWriter rest = new java.io.StringWriter();
      out = new PrintWriter(rest);
      out.println();
      out.println("Versions:");
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"  VERSION", "STATUS", "CREATED", "BY", "SUNSET"});
      for (ViewRecord v : versions) {
        rows.add(
            new String[] {
              "  " + v.version(),
              v.view().status().name(),
              v.createdAt().toString(),
              v.createdBy(),
              v.sunsetAt() == null ? "" : v.sunsetAt().toString()
            });
      }
      Table.print(out, rows);
      out.println();
      out.println("Lineage:");
      out.println("  upstream sources:     " + orNone(lineage.upstreamSources()));
      out.println("  downstream consumers: " + orNone(lineage.downstreamConsumers()));
      if (!backfills.isEmpty()) {
        out.println();
        out.println("Backfills (newest first; the audit log's entries):");
        for (var a : backfills) {
          out.println("  " + a.at() + "  " + a.version() + "  by " + a.actor() + "  " + a.detail());
        }
      }
      if (!record.warnings().isEmpty()) {
        out.println();
        out.println("Warnings:");
        PrintWriter w0 = out;
        record.warnings().forEach(w -> w0.println("  " + w));
      }
      out.flush();
      rest.toString().lines().forEach(l -> spec.println(l.isEmpty() ? "#" : "# " + l));
      out = spec;
    }
    out.flush();
    return ExitCode.OK;
  }

  private static Map<String, Object> versionJson(ViewRecord v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", v.version().toString());
    m.put("status", v.view().status().name());
    m.put("created_at", v.createdAt().toString());
    m.put("created_by", v.createdBy());
    m.put("sunset_at", v.sunsetAt() == null ? null : v.sunsetAt().toString());
    return m;
  }

  private static String orNone(List<String> list) {
    return list.isEmpty() ? "(none)" : String.join(", ", list);
  }
}
