package dev.quiver.core.registry;

import dev.quiver.core.config.QuiverConfig;
import java.util.Map;

/**
 * Run in a separate JVM by {@link EmbeddedRegistryITCase}: opens the embedded registry at {@code
 * args[0]}, applies view {@code args[1]}, and prints the names it lists; with {@code --hold} as
 * {@code args[2]}, it then keeps the registry open until its standard input ends.
 */
public final class RegistryChildProcess {
  private RegistryChildProcess() {}

  public static void main(String[] args) throws java.io.IOException {
    QuiverConfig config =
        QuiverConfig.of(Map.of("registry.type", "embedded", "registry.path", args[0]));
    try (FeatureRegistry r = FeatureRegistries.open(config)) {
      r.apply(
          FeatureRegistry.SpecBundle.ofViews(RegistryFixtures.view(args[1], 1, b -> {})),
          "child",
          false);
      System.out.println(
          "LISTED " + r.listViews(ViewQuery.all()).stream().map(v -> v.view().name()).toList());
      System.out.flush();
      if (args.length > 2 && args[2].equals("--hold")) {
        System.in.readAllBytes();
      }
    }
  }
}
