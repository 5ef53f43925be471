package dev.quiver.core.offline;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A training-set export: features (each {@code view.feature}, {@code view:v3.feature} or {@code
 * view} for all of a view's features) and exactly one of: a label source, reference times, a time
 * range with a step, or a manifest to rebuild.
 *
 * @param namespace the registry namespace of the views; null for {@code default}
 * @param features feature references; may be empty only with {@code manifest}
 * @param labels a Parquet/CSV path or an Iceberg table ({@code ns.table}); null if not used
 * @param timestampColumn the labels' time column; null for {@code timestamp}
 * @param times reference times for a retrieval without labels; null or empty if not used
 * @param from range start (inclusive), with {@code to} and {@code step}
 * @param to range end (inclusive)
 * @param step range step
 * @param output output directory (receives the Parquet parts part-00000.parquet,
 *     part-00001.parquet, ..., one per sweep subtask, and _manifest.json)
 * @param format output format; only {@code parquet}
 * @param manifest a manifest file to rebuild; null if not used
 * @param availabilityGuard null for the configured default
 * @param featureService a feature service of the namespace whose features to export, instead of
 *     {@code features}; null if not used
 */
public record ExportRequest(
    String namespace,
    List<String> features,
    String labels,
    String timestampColumn,
    List<Instant> times,
    Instant from,
    Instant to,
    Duration step,
    String output,
    String format,
    String manifest,
    Boolean availabilityGuard,
    String featureService) {

  /** An export of listed features (no feature service). */
  public ExportRequest(
      String namespace,
      List<String> features,
      String labels,
      String timestampColumn,
      List<Instant> times,
      Instant from,
      Instant to,
      Duration step,
      String output,
      String format,
      String manifest,
      Boolean availabilityGuard) {
    this(
        namespace,
        features,
        labels,
        timestampColumn,
        times,
        from,
        to,
        step,
        output,
        format,
        manifest,
        availabilityGuard,
        null);
  }

  public ExportRequest {
    namespace = namespace == null || namespace.isBlank() ? "default" : namespace;
    features = features == null ? List.of() : List.copyOf(features);
    times = times == null ? List.of() : List.copyOf(times);
    for (Instant t : times) {
      OfflineTimes.check("times", t);
    }
    OfflineTimes.check("from", from);
    OfflineTimes.check("to", to);
    format = format == null ? "parquet" : format.toLowerCase(Locale.ROOT);
    if (!format.equals("parquet")) {
      throw new IllegalArgumentException("format: '" + format + "' (expected: parquet)");
    }
    if (output == null || output.isBlank()) {
      throw new IllegalArgumentException("output: missing (expected: an output directory)");
    }
    output = localDirectory(output);
    if (labels != null && labels.isBlank()) {
      throw new IllegalArgumentException(
          "labels: '' (expected: a Parquet file or folder, a CSV file or an Iceberg table"
              + " ns.table)");
    }
    if (manifest != null && manifest.isBlank()) {
      throw new IllegalArgumentException("manifest: '' (expected: an export's _manifest.json)");
    }
    int sources =
        (labels != null ? 1 : 0)
            + (!times.isEmpty() ? 1 : 0)
            + (from != null || to != null || step != null ? 1 : 0)
            + (manifest != null ? 1 : 0);
    if (sources != 1) {
      throw new IllegalArgumentException(
          "labels: "
              + (sources == 0 ? "missing" : "ambiguous")
              + " (expected exactly one of labels, times, from/to/step, or manifest)");
    }
    if ((from != null || to != null || step != null)
        && (from == null || to == null || step == null)) {
      throw new IllegalArgumentException(
          "from/to/step: all three are needed for a time range (got from="
              + from
              + ", to="
              + to
              + ", step="
              + step
              + ")");
    }
    if (step != null && (step.isZero() || step.isNegative())) {
      throw new IllegalArgumentException(
          "step: "
              + dev.quiver.core.spec.Durations.format(step)
              + " (expected: a positive step, e.g. 15m or 1h)");
    }
    if (manifest != null && !features.isEmpty()) {
      throw new IllegalArgumentException(
          "features: "
              + features
              + " (expected: none with manifest; a rebuild exports exactly the manifest's"
              + " features, so drop features, or export them without manifest)");
    }
    if (featureService != null && featureService.isBlank()) {
      throw new IllegalArgumentException(
          "feature_service: '' (expected: the name of a feature service, e.g. fraud_model)");
    }
    if (featureService != null && manifest != null) {
      throw new IllegalArgumentException(
          "feature_service: '"
              + featureService
              + "' (expected: none with manifest; a rebuild exports exactly the manifest's"
              + " features)");
    }
    if (featureService != null && !features.isEmpty()) {
      throw new IllegalArgumentException(
          "feature_service: '"
              + featureService
              + "' with features "
              + features
              + " (expected: one of them: the service's features, or the features listed)");
    }
    if (manifest == null && features.isEmpty() && featureService == null) {
      throw new IllegalArgumentException(
          "features: [] (expected: at least one feature, e.g. user_profile.last_amount, or a"
              + " feature service)");
    }
  }

  /** A scheme before {@code :/}: {@code s3://b/x}, or {@code s3:/b/x} once a Path normalized it. */
  private static final Pattern URI_SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]+):/");

  /**
   * The output as a local path: exports write with java.nio to the file system of the process that
   * runs them, where {@code s3://bucket/x} is a relative folder {@code s3:/bucket/x}; such a URI is
   * refused rather than written beside the server's working directory, and a {@code file:} URI is
   * its path.
   */
  private static String localDirectory(String output) {
    Matcher m = URI_SCHEME.matcher(output);
    if (!m.find()) {
      return output;
    }
    if (m.group(1).equalsIgnoreCase("file")) {
      try {
        return Path.of(URI.create(output)).toString();
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "output: '" + output + "' is not a file URI (" + e.getMessage() + ")", e);
      }
    }
    throw new IllegalArgumentException(
        "output: '"
            + output
            + "' is a URI of scheme '"
            + m.group(1)
            + "' (expected: a directory of this machine's file system, e.g. /data/exports/x,"
            + " on the server when the export runs on one; exports write local files: copy the"
            + " directory to object storage afterwards)");
  }
}
