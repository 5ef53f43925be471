package dev.quiver.cli;

import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.registry.ViewRecord;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code VIEW[:VERSION]} parameter and the {@code --namespace} option of the commands that act
 * on one view version ({@code describe}, {@code plan}, {@code materialize}, {@code backfill}), as a
 * picocli mixin: {@code @Mixin ViewRefArgs target;}.
 */
final class ViewRefArgs {
  @Parameters(
      index = "0",
      paramLabel = "VIEW[:VERSION]",
      description = "[namespace.]view[:version]")
  String ref;

  @Option(names = "--namespace", paramLabel = "NS", description = "Namespace (default: default).")
  String namespace;

  /** The view as named on the command line. */
  ViewRef parse() {
    return ViewRef.parse(ref, namespace);
  }

  /**
   * The named view version from the registry: the given version, else the latest ACTIVE one.
   *
   * @throws dev.quiver.core.registry.RegistryException when there is no such view or version
   */
  ViewRecord record(FeatureRegistry registry) {
    ViewRef v = parse();
    return registry.getView(v.namespace(), v.view(), v.version() == null ? "latest" : v.version());
  }
}
