package dev.quiver.core.codec;

import dev.quiver.core.spec.JoinKey;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Encodes an entity key (the values of one or more join keys) to bytes, unambiguously: each part is
 * a varint length followed by its {@link ValueCodec} bytes, in join-key order. So {@code ("ab",
 * "c")} and {@code ("a", "bc")} never collide. The online store prefixes a salt to these bytes to
 * form the row key. Stateless and thread-safe.
 */
public final class EntityKeyCodec {
  /**
   * The most characters the string values of one entity key may hold together, shared by serving (a
   * longer request key is a 400) and ingestion (a longer event key is a {@code malformed} dead
   * letter). At most 3 UTF-8 bytes each, so an encoded key stays well under HBase's 32,767-byte row
   * keys: a longer one made HBase's client throw, on a read (a store failure that opened the
   * circuit breaker) and on a write (a job failure on every restart).
   */
  public static final int MAX_KEY_CHARS = 8192;

  private EntityKeyCodec() {}

  /**
   * The characters of {@code values}' strings together (numbers count 0), to compare with {@link
   * #MAX_KEY_CHARS}.
   */
  public static int keyChars(List<?> values) {
    int chars = 0;
    for (Object v : values) {
      chars += v instanceof String s ? s.length() : 0;
    }
    return chars;
  }

  /**
   * Encodes the join-key values, in the order of {@code keys}.
   *
   * @throws IllegalArgumentException when the counts differ, a value is null or of the wrong type
   *     (the message names the join key)
   */
  public static byte[] encode(List<JoinKey> keys, List<?> values) {
    if (keys.size() != values.size()) {
      throw new IllegalArgumentException(
          "entity key: "
              + values.size()
              + " values (expected: "
              + keys.size()
              + ", one per join key "
              + keys.stream().map(JoinKey::name).toList()
              + ")");
    }
    ByteSink out = new ByteSink(32);
    for (int i = 0; i < keys.size(); i++) {
      JoinKey k = keys.get(i);
      Object v = values.get(i);
      if (v == null) {
        throw new IllegalArgumentException(k.name() + ": null (expected: a " + k.type() + ")");
      }
      byte[] b;
      try {
        b = ValueCodec.encode(k.type(), v);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(k.name() + ": " + e.getMessage(), e);
      }
      ValueCodec.writeVarint(out, b.length);
      out.write(b, 0, b.length);
    }
    return out.toByteArray();
  }

  /** Encodes a single-key entity. */
  public static byte[] encode(JoinKey key, Object value) {
    return encode(List.of(key), Collections.singletonList(value));
  }

  /** Decodes bytes written by {@link #encode(List, List)}. */
  public static List<Object> decode(List<JoinKey> keys, byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    List<Object> out = new ArrayList<>(keys.size());
    for (JoinKey k : keys) {
      int n = ValueCodec.readVarint(in);
      byte[] b = new byte[n];
      in.get(b);
      out.add(ValueCodec.decode(k.type(), b));
    }
    if (in.hasRemaining()) {
      throw new IllegalArgumentException("entity key: " + in.remaining() + " trailing bytes");
    }
    return Collections.unmodifiableList(out);
  }
}
