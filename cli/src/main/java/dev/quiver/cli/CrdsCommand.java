package dev.quiver.cli;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.crds.ViewDeployment;
import dev.quiver.local.LocalRuntime;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code quiver crds VIEW[:VERSION]...|--all}: the Kubernetes resources (a ConfigMap with the job's
 * quiver.yaml and a FlinkDeployment) that run the views' materialization jobs under the Flink
 * Kubernetes Operator ({@link ViewDeployment}), as YAML for {@code kubectl apply -f -}.
 */
@Command(
    name = "crds",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the Kubernetes resources that run each view's materialization job under the Flink"
          + " Kubernetes Operator: a ConfigMap with the job's quiver.yaml and a FlinkDeployment"
          + " (flink.apache.org/v1beta1, application mode, upgradeMode: savepoint), named after the"
          + " view's major: a new major is a new deployment, a revision updates its major's.",
      "Example: quiver crds user_activity_metrics --namespace features --out k8s",
      "then: kubectl apply -f k8s/ (or pipe the printed YAML to kubectl apply -f -)",
      "The registry, online store, warehouse and checkpoints must be reachable from the cluster:"
          + " registry.type postgres, online.type hbase, and shared storage for offline.warehouse"
          + " and deploy.checkpoint-dir (docs/operations.md#deploying-on-kubernetes).",
      "Exit codes: 0 ok, 1 a view has no streaming job or a setting cannot work on Kubernetes,"
          + " 2 usage, 5 no such view or version."
    })
final class CrdsCommand implements Callable<Integer> {
  @ParentCommand QuiverCli parent;

  @Parameters(
      arity = "0..*",
      paramLabel = "VIEW[:VERSION]",
      description = "[namespace.]view[:version] (default version: latest, the newest ACTIVE one).")
  List<String> refs = new ArrayList<>();

  @Option(
      names = "--all",
      description =
          "Every view's streaming jobs: the newest ACTIVE or DEPRECATED revision of each major"
              + " (what quiver local runs).")
  boolean all;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Write one file per deployment, DIR/<name>.yaml, instead of printing.")
  Path out;

  @Option(
      names = "--namespace",
      paramLabel = "NS",
      description =
          "Kubernetes namespace of the resources (default: kubectl's); a view's Quiver namespace"
              + " is written in its reference, e.g. risk.merchant_risk.")
  String namespace;

  @Option(
      names = "--image",
      paramLabel = "IMAGE",
      description = "Container image with the job jar (default: deploy.image).")
  String image;

  @Override
  public Integer call() throws Exception {
    if (all == !refs.isEmpty()) {
      throw new QuiverCli.CliUsageException(
          all
              ? "name views or give --all, not both"
              : "name at least one view ([namespace.]view[:version]) or give --all");
    }
    List<ViewRef> named = refs.stream().map(r -> ViewRef.parse(r, null)).toList();
    FeatureRegistry registry = parent.environment().registry();
    QuiverConfig config = parent.environment().config();
    List<FeatureView> views = new ArrayList<>();
    if (all) {
      views.addAll(LocalRuntime.materializedVersions(registry));
    } else {
      for (ViewRef r : named) {
        views.add(
            registry
                .getView(r.namespace(), r.view(), r.version() == null ? "latest" : r.version())
                .view());
      }
    }
    // every resource is built (and every refusal found) before anything is printed or written
    Map<String, ViewDeployment> byName = new LinkedHashMap<>();
    for (FeatureView v : views) {
      ViewDeployment d = ViewDeployment.of(v, config, image, namespace);
      String name = d.deployment().getMetadata().getName();
      ViewDeployment other = byName.put(name, d);
      if (other != null) {
        throw new QuiverCli.CliUsageException(
            other.view().qualifiedName()
                + ":"
                + other.view().version()
                + " and "
                + v.qualifiedName()
                + ":"
                + v.version()
                + " are one deployment ("
                + name
                + ": one per major, which runs one revision); name one of them");
      }
    }
    PrintWriter stdout = parent.spec.commandLine().getOut();
    PrintWriter err = parent.spec.commandLine().getErr();
    byName.values().stream()
        .flatMap(d -> d.warnings().stream())
        .distinct()
        .forEach(w -> err.println("warning: " + w));
    if (all && byName.isEmpty()) {
      err.println("No view has a streaming job (a Kafka source, ACTIVE or DEPRECATED).");
    }
    if (out != null) {
      Files.createDirectories(out);
      for (Map.Entry<String, ViewDeployment> e : byName.entrySet()) {
        Path file = out.resolve(e.getKey() + ".yaml");
        Files.writeString(file, e.getValue().toYaml());
        FeatureView v = e.getValue().view();
        stdout.println("wrote " + file + " (" + v.qualifiedName() + ":" + v.version() + ")");
      }
    } else {
      byName.values().forEach(d -> stdout.print(d.toYaml()));
    }
    stdout.flush();
    err.flush();
    return ExitCode.OK;
  }
}
