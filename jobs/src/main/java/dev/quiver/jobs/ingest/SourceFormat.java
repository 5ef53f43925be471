package dev.quiver.jobs.ingest;

import dev.quiver.core.spec.Source;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * A Kafka source's wire format, resolved from the spec's options once, when the job is built: the
 * Avro schema file is read then, so the job (which carries the schema text) deploys unchanged to a
 * cluster where the file does not exist.
 *
 * @param format {@code json}, {@code debezium-json} or {@code avro}
 * @param avroSchema the Avro writer schema (JSON text); null unless {@code avro}
 * @param confluentWire whether Avro records carry the Confluent header (magic byte 0 + schema id)
 * @param avroSchemaId the schema id Confluent-framed records must carry; null for any
 */
public record SourceFormat(
    String format, String avroSchema, boolean confluentWire, Integer avroSchemaId)
    implements Serializable {
  public static final List<String> FORMATS = List.of("json", "debezium-json", "avro");
  public static final List<String> AVRO_WIRE_FORMATS = List.of("plain", "confluent");

  public static final SourceFormat JSON = new SourceFormat("json", null, false, null);

  /**
   * Reads the format options of {@code source}: {@code format}, and for avro {@code avro_schema}
   * (inline) or {@code avro_schema_file}, {@code avro_wire_format} and {@code avro_schema_id}.
   *
   * @throws IllegalArgumentException naming the option, what is wrong and the fix
   */
  public static SourceFormat of(Source source) {
    String prefix = "sources." + source.name() + ".options.";
    String format = source.options().getOrDefault("format", "json").trim().toLowerCase(Locale.ROOT);
    if (!FORMATS.contains(format)) {
      throw new IllegalArgumentException(
          prefix
              + "format: '"
              + format
              + "' is not a supported format (expected one of "
              + FORMATS
              + ")");
    }
    if (!format.equals("avro")) {
      return new SourceFormat(format, null, false, null);
    }
    String inline = source.option("avro_schema");
    String file = source.option("avro_schema_file");
    String text;
    if (inline != null && !inline.isBlank()) {
      text = inline;
    } else if (file != null && !file.isBlank()) {
      try {
        text = Files.readString(Path.of(file));
      } catch (IOException e) {
        throw new IllegalArgumentException(
            prefix + "avro_schema_file: cannot read '" + file + "' (" + e + "); fix the path");
      }
    } else {
      throw new IllegalArgumentException(
          prefix
              + "avro_schema: missing (format avro needs the writer schema); add avro_schema:"
              + " '<schema JSON>' or avro_schema_file: <path to .avsc>");
    }
    try {
      new Schema.Parser().parse(text);
    } catch (SchemaParseException e) {
      throw new IllegalArgumentException(
          prefix + "avro_schema: not a valid Avro schema (" + e.getMessage() + ")");
    }
    String wire =
        source.options().getOrDefault("avro_wire_format", "plain").trim().toLowerCase(Locale.ROOT);
    if (!AVRO_WIRE_FORMATS.contains(wire)) {
      throw new IllegalArgumentException(
          prefix + "avro_wire_format: '" + wire + "' (expected one of " + AVRO_WIRE_FORMATS + ")");
    }
    Integer id = null;
    String idText = source.option("avro_schema_id");
    if (idText != null && !idText.isBlank()) {
      try {
        id = Integer.valueOf(idText.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            prefix + "avro_schema_id: '" + idText + "' is not an integer schema id");
      }
    }
    return new SourceFormat(format, text, wire.equals("confluent"), id);
  }

  /**
   * A new decoder for events of {@code schema} in this format.
   *
   * @throws IllegalArgumentException when the Avro writer schema lacks a declared column
   */
  public EventDecoder decoder(EventSchema schema) {
    return switch (format) {
      case "debezium-json" -> new DebeziumJsonParser(schema);
      case "avro" ->
          new AvroEventParser(
              schema, new Schema.Parser().parse(avroSchema), confluentWire, avroSchemaId);
      default -> new EventParser(schema);
    };
  }
}
