package dev.quiver.cli;

import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.Materializer;
import dev.quiver.jobs.ViewResolution;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code quiver plan VIEW[:VERSION]}: prints the Flink SQL that materializes a view. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the Flink SQL statement set that materializes a view: projection, tiles and the"
          + " online and Iceberg sinks. The same text runs in streaming mode (quiver materialize)"
          + " and in batch mode for backfills.",
      "Exit codes: 0 ok, 1 the view cannot be materialized, 2 usage, 5 no such view or version."
    })
final class PlanCommand implements Callable<Integer> {
  @ParentCommand QuiverCli parent;

  @Mixin ViewRefArgs target;

  @Override
  public Integer call() {
    FeatureRegistry registry = parent.environment().registry();
    FeatureView view = target.record(registry).view();
    var config = LocalDefaults.apply(parent.environment().config());
    String sql = Materializer.plan(view, ViewResolution.keys(registry, view), config).sqlText();
    parent.spec.commandLine().getOut().print(sql);
    parent.spec.commandLine().getOut().flush();
    return ExitCode.OK;
  }
}
