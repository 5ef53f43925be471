package dev.quiver.core.spec;

import static dev.quiver.core.spec.Names.problem;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Validation rules for a {@link Source}; paths are relative to the source. */
final class SourceRules {
  static final List<String> KINDS = List.of("kafka", "iceberg", "parquet", "jdbc");
  static final List<String> FORMATS = List.of("json", "avro", "debezium-json");
  static final List<String> AVRO_WIRE_FORMATS = List.of("plain", "confluent");

  /** A Kafka source's {@code startup_mode}: ours, and the Flink Kafka connector's spellings. */
  static final List<String> STARTUP_MODES =
      List.of("earliest", "latest", "earliest-offset", "latest-offset");

  /** Per kind: required options, then optional ones. Anything under {@code properties.} passes. */
  static final Map<String, List<Set<String>>> OPTIONS =
      Map.of(
          "kafka",
          List.of(
              Set.of("topic", "format"),
              Set.of(
                  "bootstrap_servers",
                  "group_id",
                  "startup_mode",
                  "dead_letter_topic",
                  "avro_schema",
                  "avro_schema_file",
                  "avro_wire_format",
                  "avro_schema_id")),
          "iceberg",
          List.of(Set.of("table"), Set.of("catalog", "warehouse")),
          "parquet",
          List.of(Set.of("path"), Set.of()),
          "jdbc",
          List.of(Set.of("url", "table"), Set.of("username")));

  private SourceRules() {}

  static void check(Source s, List<SpecProblem> out) {
    Names.check(s.name(), "name", "source", out);
    if (!Names.valid(s.namespace())) {
      Names.check(s.namespace(), "namespace", "namespace", out);
    }
    if (s.kind().isEmpty()) {
      out.add(
          problem(
              "kind", "missing (required)", "choose the connector: " + String.join(", ", KINDS)));
    } else if (!KINDS.contains(s.kind())) {
      out.add(
          problem(
              "kind",
              "'" + s.kind() + "' is not a source kind",
              Suggestions.closest(s.kind(), KINDS).map(c -> "did you mean " + c + "? ").orElse("")
                  + "Kinds: "
                  + String.join(", ", KINDS)));
    } else {
      options(s, out);
    }
    if (s.schema().isEmpty()) {
      out.add(
          problem(
              "schema",
              "missing or empty (expected: at least one column)",
              "list the event columns, e.g. schema: [{name: user_id, type: STRING}, {name: event_time, type: TIMESTAMP}]"));
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < s.schema().size(); i++) {
      if (!seen.add(s.schema().get(i).name())) {
        out.add(
            problem(
                "schema[" + i + "].name",
                "duplicate column '" + s.schema().get(i).name() + "'",
                "keep one column of each name"));
      }
    }
    List<String> columns = s.schema().stream().map(SourceField::name).toList();
    if (s.eventTimeField().isEmpty()) {
      out.add(
          problem(
              "event_time_field",
              "missing (required)",
              "name the column that holds when each event happened, e.g. event_time_field: event_time"));
    } else if (!s.schema().isEmpty()) {
      s.field(s.eventTimeField())
          .ifPresentOrElse(
              f -> {
                if (!isTimeType(f.type())) {
                  out.add(
                      problem(
                          "event_time_field",
                          "column '"
                              + f.name()
                              + "' is "
                              + f.type()
                              + " (expected: TIMESTAMP, or INT64 epoch milliseconds)",
                          "declare it as TIMESTAMP in the schema, or name another column"));
                }
              },
              () -> out.add(notAColumn("event_time_field", s.eventTimeField(), s.name(), columns)));
    }
    if (s.dedupKey() != null && !s.schema().isEmpty() && s.field(s.dedupKey()).isEmpty()) {
      out.add(notAColumn("dedup_key", s.dedupKey(), s.name(), columns));
    }
    if (s.watermarkDelay().isNegative()) {
      out.add(
          problem(
              "watermark_delay",
              Durations.format(s.watermarkDelay().abs()) + " before the event (expected: >= 0)",
              "write the bound on out-of-orderness, e.g. watermark_delay: 30s"));
    }
  }

  static boolean isTimeType(FeatureType t) {
    return !t.array()
        && (t.scalar() == FeatureType.Scalar.TIMESTAMP || t.scalar() == FeatureType.Scalar.INT64);
  }

  static SpecProblem notAColumn(String path, String column, String source, List<String> columns) {
    return problem(
        path,
        "'" + column + "' is not a column of source '" + source + "'",
        Suggestions.closest(column, columns).map(c -> "did you mean " + c + "? ").orElse("")
            + "Columns: "
            + String.join(", ", columns));
  }

  private static void options(Source s, List<SpecProblem> out) {
    List<Set<String>> spec = OPTIONS.get(s.kind());
    Set<String> allowed = new TreeSet<>(spec.get(0));
    allowed.addAll(spec.get(1));
    for (String required : new TreeSet<>(spec.get(0))) {
      String v = s.option(required);
      if (v == null || v.isBlank()) {
        out.add(
            problem(
                "options." + required,
                "missing (a "
                    + s.kind()
                    + " source needs "
                    + String.join(" and ", new TreeSet<>(spec.get(0)))
                    + ")",
                "add options: {" + required + ": " + exampleValue(required) + "}"));
      }
    }
    for (String key : new TreeSet<>(s.options().keySet())) {
      if (!allowed.contains(key) && !key.startsWith("properties.")) {
        out.add(
            problem(
                "options." + key,
                "unknown option '" + key + "' for a " + s.kind() + " source",
                Suggestions.closest(key, allowed).map(c -> "did you mean " + c + "? ").orElse("")
                    + "Options: "
                    + String.join(", ", allowed)
                    + "; pass client settings verbatim as properties.<name>"));
      }
    }
    String format = s.option("format");
    if ("kafka".equals(s.kind())
        && format != null
        && !format.isBlank()
        && !FORMATS.contains(format)) {
      out.add(
          problem(
              "options.format",
              "'" + format + "' is not a supported format",
              Suggestions.closest(format, FORMATS).map(c -> "did you mean " + c + "? ").orElse("")
                  + "Formats: "
                  + String.join(", ", FORMATS)));
    }
    if ("kafka".equals(s.kind())) {
      avroOptions(s, format, out);
      String topic = s.option("topic");
      String dlq = s.option("dead_letter_topic");
      for (String key : List.of("topic", "dead_letter_topic")) {
        String name = s.option(key);
        if (name != null && !name.isBlank() && !legalTopic(name)) {
          // the broker refuses the name: a source that never reads, or a job that fails at its
          // first dead letter on every restart
          out.add(
              problem(
                  "options." + key,
                  "'" + name + "' is not a legal Kafka topic name",
                  "use at most 249 letters, digits, '.', '_' and '-' (not '.' or '..' alone), e.g. "
                      + legalTopicLike(name)));
        }
      }
      if (topic != null && dlq != null && !topic.isBlank() && dlq.strip().equals(topic.strip())) {
        // the job would read its own dead letters, reject them again and write them again
        out.add(
            problem(
                "options.dead_letter_topic",
                "'"
                    + dlq
                    + "' is the source's own topic: every dead letter would be read again, rejected"
                    + " again and written again, without end",
                "name another topic, e.g. dead_letter_topic: "
                    + topic.strip()
                    + ".dlq, or remove the option (the default is the topic plus"
                    + " jobs.dlq.topic-suffix, .dlq)"));
      }
      String startup = s.option("startup_mode");
      if (startup != null && !STARTUP_MODES.contains(startup.strip().toLowerCase(Locale.ROOT))) {
        out.add(
            problem(
                "options.startup_mode",
                "'" + startup + "' is not a starting position",
                Suggestions.closest(startup, STARTUP_MODES.subList(0, 2))
                        .map(c -> "did you mean " + c + "? ")
                        .orElse("")
                    + "Use earliest (the topic's first record) or latest (its end): where a job"
                    + " without a checkpoint starts reading"));
      }
    }
  }

  /**
   * Kafka's rule for topic names ({@code org.apache.kafka.common.internals.Topic.validate}): 1 to
   * 249 characters of {@code [a-zA-Z0-9._-]}, and not {@code .} or {@code ..}.
   */
  static boolean legalTopic(String name) {
    return name.length() <= 249
        && name.matches("[a-zA-Z0-9._-]+")
        && !name.equals(".")
        && !name.equals("..");
  }

  /** {@code name} with each run of other characters as {@code _}, e.g. {@code my dlq -> my_dlq}. */
  private static String legalTopicLike(String name) {
    String fixed = name.strip().replaceAll("[^a-zA-Z0-9._-]+", "_");
    if (fixed.length() > 249) {
      fixed = fixed.substring(0, 249);
    }
    return legalTopic(fixed) ? fixed : "events";
  }

  /** Avro needs exactly one writer schema; the avro_* options mean nothing for other formats. */
  private static void avroOptions(Source s, String format, List<SpecProblem> out) {
    boolean inline = present(s, "avro_schema");
    boolean file = present(s, "avro_schema_file");
    if ("avro".equals(format)) {
      if (!inline && !file) {
        out.add(
            problem(
                "options.avro_schema",
                "missing (format avro needs the writer schema)",
                "add options: {avro_schema: '<schema JSON>'} or {avro_schema_file: <path to .avsc>}"));
      } else if (inline && file) {
        out.add(
            problem(
                "options.avro_schema_file",
                "both avro_schema and avro_schema_file are set",
                "keep one of them"));
      }
      String wire = s.option("avro_wire_format");
      if (wire != null && !AVRO_WIRE_FORMATS.contains(wire)) {
        out.add(
            problem(
                "options.avro_wire_format",
                "'" + wire + "' is not an Avro wire format",
                "use plain (one datum per record) or confluent (magic byte 0 + 4-byte schema id)"));
      }
      String id = s.option("avro_schema_id");
      if (id != null && !id.strip().matches("-?\\d{1,10}")) {
        out.add(
            problem(
                "options.avro_schema_id",
                "'" + id + "' is not an integer schema id",
                "write the registry's id of the writer schema, e.g. avro_schema_id: 42"));
      }
    } else {
      for (String key :
          List.of("avro_schema", "avro_schema_file", "avro_wire_format", "avro_schema_id")) {
        if (present(s, key)) {
          out.add(
              problem(
                  "options." + key,
                  "only applies to format avro (format is "
                      + (format == null ? "unset" : format)
                      + ")",
                  "set format: avro, or remove " + key));
        }
      }
    }
  }

  private static boolean present(Source s, String key) {
    String v = s.option(key);
    return v != null && !v.isBlank();
  }

  private static String exampleValue(String option) {
    return switch (option) {
      case "topic" -> "transactions";
      case "format" -> "json";
      case "table" -> "raw.transactions";
      case "path" -> "/data/transactions/";
      case "url" -> "jdbc:postgresql://db:5432/app";
      default -> "...";
    };
  }
}
