package dev.quiver.savepoints;

import dev.quiver.core.config.ConfigOption;
import java.util.List;

/** Typed options of the savepoint commands ({@code savepoints.*} in {@code quiver.yaml}). */
public final class SavepointOptions {
  private SavepointOptions() {}

  public static final ConfigOption<String> DIR =
      ConfigOption.string(
          "savepoints.dir",
          ".quiver/savepoints",
          "Where quiver savepoint trigger asks Flink to write savepoints when --dir is not given,"
              + " and where quiver savepoint list looks for them; a path or URI that the"
              + " JobManager can write.");

  public static final ConfigOption<String> FLINK_URL =
      ConfigOption.string(
          "savepoints.flink-url",
          "http://127.0.0.1:8081",
          "The Flink REST endpoint (JobManager) that quiver savepoint trigger talks to when"
              + " --flink is not given.");

  public static List<ConfigOption<?>> all() {
    return List.of(DIR, FLINK_URL);
  }
}
