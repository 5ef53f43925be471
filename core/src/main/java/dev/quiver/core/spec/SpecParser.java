package dev.quiver.core.spec;

import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Parses spec files (YAML, several documents per file separated by {@code ---}, or JSON such as the
 * body of {@code POST /v1/registry/featureViews}) into immutable model objects, checking every
 * document with {@link SpecValidator}. Either every problem of every file is reported at once (a
 * {@link SpecException}), or the result is a bundle ready to apply plus its warnings.
 *
 * <p>A document's {@code kind:} is {@code feature_view} (the default, so the PRD's spec parses as
 * it stands), {@code entity}, {@code feature_service}, or a source connector: {@code kafka}, {@code
 * iceberg}, {@code parquet}, {@code jdbc}. Stateless and thread-safe.
 */
public final class SpecParser {
  private SpecParser() {}

  /** What was parsed, and the warnings (legal but unsafe) found on the way. */
  public record ParseResult(SpecBundle bundle, List<SpecProblem> warnings) {
    public ParseResult {
      warnings = List.copyOf(warnings);
    }
  }

  /**
   * What the registry already holds, so that a file may reference entities, sources and views that
   * it does not declare itself. Implementations must be thread-safe if shared.
   */
  public interface Context {
    Optional<Entity> entity(String namespace, String name);

    Optional<Source> source(String namespace, String name);

    /** The version an unpinned reference to {@code name} would read. */
    Optional<FeatureView> view(String namespace, String name);

    /**
     * The entities of a namespace, for the "did you mean" of an entity a view names but nobody
     * declared (a typo would otherwise silently become an implicit entity).
     */
    default List<String> entityNames(String namespace) {
      return List.of();
    }

    /**
     * Source names of a namespace it knows, for the "did you mean" of a source a view names that is
     * neither in the files nor here.
     */
    default List<String> sourceNames(String namespace) {
      return List.of();
    }

    /**
     * A feature service's reference to a view version that the files do not declare (or pin another
     * major of), resolved as the registry resolves it on apply: the version's view, or why it
     * cannot be read (an unknown view or version, a RETIRED one). Empty when this context cannot
     * tell, and the registry checks the reference on apply.
     *
     * @param versionRef {@code latest}, {@code v3} or {@code 3.1}
     */
    default Optional<ServiceTarget> serviceTarget(
        String namespace, String name, String versionRef) {
      return Optional.empty();
    }

    /** Knows nothing: every reference must be declared in the files being parsed. */
    Context EMPTY =
        new Context() {
          @Override
          public Optional<Entity> entity(String namespace, String name) {
            return Optional.empty();
          }

          @Override
          public Optional<Source> source(String namespace, String name) {
            return Optional.empty();
          }

          @Override
          public Optional<FeatureView> view(String namespace, String name) {
            return Optional.empty();
          }
        };
  }

  /**
   * What a {@link Context} knows of a view version a feature service reads: the view, or why it
   * cannot be read ({@code viewUnknown}: the context has no version of the view at all).
   */
  public record ServiceTarget(FeatureView view, String problem, boolean viewUnknown) {
    public static ServiceTarget of(FeatureView view) {
      return new ServiceTarget(view, null, false);
    }

    public static ServiceTarget unreadable(String problem, boolean viewUnknown) {
      return new ServiceTarget(null, problem, viewUnknown);
    }
  }

  /** One spec file's name and text. */
  public record SpecFile(String name, String text) {}

  /**
   * Parses one file's text.
   *
   * @param fileName used in problems, e.g. {@code examples/merchant_risk.yaml} or {@code <request>}
   * @throws SpecException with every problem found, when there is at least one error
   */
  public static ParseResult parse(String text, String fileName) {
    return parse(List.of(new SpecFile(fileName, text)), Context.EMPTY);
  }

  /**
   * Like {@link #parse(String, String)}, resolving undeclared references through {@code context}.
   */
  public static ParseResult parse(String text, String fileName, Context context) {
    return parse(List.of(new SpecFile(fileName, text)), context);
  }

  /**
   * Parses a file, or every {@code *.yaml}, {@code *.yml} and {@code *.json} under a directory
   * (recursively, in sorted path order) as one bundle, so that files may reference each other.
   *
   * @throws UncheckedIOException when a file cannot be read
   * @throws SpecException with every problem of every file
   */
  public static ParseResult parsePath(Path fileOrDirectory) {
    return parsePath(fileOrDirectory, Context.EMPTY);
  }

  public static ParseResult parsePath(Path fileOrDirectory, Context context) {
    return parse(readFiles(fileOrDirectory), context);
  }

  /** Parses several files as one bundle. */
  public static ParseResult parse(List<SpecFile> files, Context context) {
    return new BundleAssembler(context).assemble(files);
  }

  static List<SpecFile> readFiles(Path root) {
    List<Path> paths;
    if (Files.isDirectory(root)) {
      try (Stream<Path> s = Files.walk(root)) {
        paths =
            s.filter(Files::isRegularFile)
                .filter(
                    p -> {
                      String n = p.getFileName().toString();
                      return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
                    })
                .sorted()
                .toList();
      } catch (IOException e) {
        throw new UncheckedIOException("could not list " + root, e);
      }
    } else {
      paths = List.of(root);
    }
    List<SpecFile> files = new ArrayList<>();
    for (Path p : paths) {
      try {
        files.add(new SpecFile(p.toString(), Files.readString(p, StandardCharsets.UTF_8)));
      } catch (IOException e) {
        throw new UncheckedIOException("could not read " + p, e);
      }
    }
    return files;
  }
}
