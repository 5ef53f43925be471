package dev.quiver.core.registry;

import dev.quiver.core.config.QuiverConfig;
import java.util.Map;

/**
 * Run in a separate JVM by {@link EmbeddedRegistryITCase}: opens the embedded registry at {@code
 * args[0]}, applies view {@code args[1]}, and prints the names it lists. With {@code hold} as
 * {@code args[2]}, it then prints READY and keeps the file open until a line arrives on stdin; with
 * {@code --hold}, until its standard input ends.
 */
public final class RegistryChildProcess {
  private RegistryChildProcess() {}

  public static void main(String[] args) {
    QuiverConfig config =
        QuiverConfig.of(Map.of("registry.type", "embedded", "registry.path", args[0]));
    String hold = args.length > 2 ? args[2] : "";
    try (FeatureRegistry r = FeatureRegistries.open(config)) {
      r.apply(
          FeatureRegistry.SpecBundle.ofViews(RegistryFixtures.view(args[1], 1, b -> {})),
          "child",
          false);
      System.out.println(
          "LISTED " + r.listViews(ViewQuery.all()).stream().map(v -> v.view().name()).toList());
      System.out.flush();
      if (hold.equals("hold")) {
        // keep serving the file until told to stop on stdin
        System.out.println("READY");
        System.out.flush();
        new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
      } else if (hold.equals("--hold")) {
        System.in.readAllBytes();
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
