package dev.quiver.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpData;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes a lookup answer in the PRD §11.2 shape with a Jackson streaming generator straight into a
 * pooled Netty buffer (no tree, no intermediate byte[]); Armeria releases the buffer after the
 * write.
 */
final class LookupResponseWriter {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFactory FACTORY = MAPPER.getFactory();
  // Field names written for every key and feature, encoded to UTF-8 once.
  private static final SerializedString KEY = new SerializedString("key");
  private static final SerializedString FEATURES = new SerializedString("features");
  private static final SerializedString VALUE = new SerializedString("value");
  private static final SerializedString TS = new SerializedString("ts");
  private static final SerializedString VERSION = new SerializedString("version");
  private static final SerializedString STATUS = new SerializedString("status");
  private static final SerializedString[] STATUS_NAMES =
      new SerializedString[KeyStatus.values().length];

  static {
    for (KeyStatus k : KeyStatus.values()) {
      STATUS_NAMES[k.ordinal()] = new SerializedString(k.name());
    }
  }

  private LookupResponseWriter() {}

  static HttpData write(
      ByteBufAllocator alloc,
      LookupRequest req,
      LookupPlan plan,
      KeyResult[][] byRead,
      List<String> readWarnings,
      ServingMetrics metrics) {
    int n = req.keys().size();
    ByteBuf buf = alloc.buffer(96 + n * (32 + plan.outputNames().length * 80));
    try (JsonGenerator g =
        FACTORY.createGenerator((java.io.OutputStream) new ByteBufOutputStream(buf))) {
      g.writeStartObject();
      g.writeStringField("entity_name", req.entityName());
      g.writeArrayFieldStart("results");
      String[] names = plan.outputNames();
      // Feature names and versions are written for every key: the plan holds them encoded.
      SerializedString[] encodedNames = plan.encodedNames();
      SerializedString[] versions = plan.encodedVersions();
      int[] outRead = plan.outputRead();
      int[] outFeature = plan.outputFeature();
      // Each distinct event time is formatted once per answer (features of one row, and often
      // rows of one batch, share their event time), straight to bytes (IsoInstant).
      long lastTs = Long.MIN_VALUE;
      byte[] tsText = new byte[IsoInstant.MAX_LENGTH];
      int tsLength = -1;
      for (int k = 0; k < n; k++) {
        g.writeStartObject();
        g.writeFieldName(KEY);
        writeKey(g, req.keys().get(k));
        g.writeFieldName(FEATURES);
        g.writeStartObject();
        int present = 0;
        int backed = 0; // values with an event time: backed by stored rows or tiles
        boolean stale = false;
        for (int o = 0; o < names.length; o++) {
          KeyResult r = byRead[outRead[o]][k];
          stale |= r.stale();
          FeatureValue v = r.values()[outFeature[o]];
          g.writeFieldName(encodedNames[o]);
          g.writeStartObject();
          if (v == null) {
            g.writeFieldName(VALUE);
            g.writeNull();
            g.writeFieldName(TS);
            g.writeNull();
          } else {
            present++;
            g.writeFieldName(VALUE);
            writeValue(g, v.value());
            if (v.hasTs()) {
              backed++;
              if (v.tsMillis() != lastTs || tsLength < 0) {
                lastTs = v.tsMillis();
                tsLength = IsoInstant.format(lastTs, tsText);
              }
              g.writeFieldName(TS);
              g.writeRawUTF8String(tsText, 0, tsLength); // ASCII: nothing to escape
            } else {
              g.writeFieldName(TS);
              g.writeNull();
            }
          }
          g.writeFieldName(VERSION);
          g.writeString(versions[outRead[o]]);
          g.writeEndObject();
        }
        g.writeEndObject();
        // NOT_FOUND: nothing stored backs any requested feature. A window aggregation over an
        // empty window (a count of 0, ts null) is shown but does not make a never-seen key found.
        KeyStatus status =
            stale
                ? KeyStatus.STALE
                : backed == 0
                    ? KeyStatus.NOT_FOUND
                    : present == names.length ? KeyStatus.OK : KeyStatus.PARTIAL;
        metrics.key(status);
        g.writeFieldName(STATUS);
        g.writeString(STATUS_NAMES[status.ordinal()]);
        g.writeEndObject();
      }
      g.writeEndArray();
      if (!plan.warnings().isEmpty() || readWarnings != null) {
        g.writeArrayFieldStart("warnings");
        for (String w : plan.warnings()) {
          g.writeString(w);
        }
        if (readWarnings != null) {
          for (String w : readWarnings) {
            g.writeString(w);
          }
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    } catch (IOException | RuntimeException e) {
      buf.release();
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
    return HttpData.wrap(buf);
  }

  private static void writeKey(JsonGenerator g, JsonNode key) throws IOException {
    if (key.isTextual()) {
      g.writeString(key.textValue());
    } else {
      MAPPER.writeTree(g, key);
    }
  }

  static void writeValue(JsonGenerator g, Object v) throws IOException {
    if (v instanceof Long l) {
      g.writeNumber(l);
    } else if (v instanceof Double d) {
      writeDouble(g, d);
    } else if (v instanceof String s) {
      g.writeString(s);
    } else if (v instanceof Integer i) {
      g.writeNumber(i);
    } else if (v instanceof Float f) {
      writeDouble(g, f);
    } else if (v instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (v instanceof float[] fs) {
      g.writeStartArray();
      for (float f : fs) {
        writeDouble(g, f);
      }
      g.writeEndArray();
    } else if (v instanceof double[] ds) {
      g.writeStartArray();
      for (double d : ds) {
        writeDouble(g, d);
      }
      g.writeEndArray();
    } else if (v instanceof long[] ls) {
      g.writeArray(ls, 0, ls.length);
    } else if (v instanceof List<?> list) {
      g.writeStartArray();
      for (Object o : list) {
        writeValue(g, o);
      }
      g.writeEndArray();
    } else if (v instanceof byte[] bytes) {
      g.writeBinary(bytes);
    } else if (v == null) {
      g.writeNull();
    } else {
      g.writeString(v.toString());
    }
  }

  /**
   * A number, or for a value JSON cannot hold the string protobuf's JSON mapping uses: {@code
   * "NaN"}, {@code "Infinity"} or {@code "-Infinity"}. Before, these were written as {@code null},
   * which reads as "no value" (the PARTIAL status's meaning) although the key had one.
   */
  private static void writeDouble(JsonGenerator g, double d) throws IOException {
    if (Double.isNaN(d)) {
      g.writeString("NaN");
    } else if (Double.isInfinite(d)) {
      g.writeString(d > 0 ? "Infinity" : "-Infinity");
    } else {
      g.writeNumber(d);
    }
  }

  private static void writeDouble(JsonGenerator g, float f) throws IOException {
    if (Float.isNaN(f) || Float.isInfinite(f)) {
      writeDouble(g, (double) f);
    } else {
      g.writeNumber(f);
    }
  }
}
