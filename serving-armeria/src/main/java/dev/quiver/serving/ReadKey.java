package dev.quiver.serving;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Identity of one key's read of one view version: the unit of caching and coalescing. A value class
 * rather than a record so that its hash is computed once (the key cache and the in-flight map probe
 * with the same key), and flat: the (view version, features) part is one shared {@link Shape}
 * compared by identity first, and a one-part entity key is held as its value rather than a
 * one-element list. A cache probe that finds an entry compares its stored key, which lives in the
 * old generation and is rarely in the CPU caches: every object that comparison follows is a likely
 * cache miss, and a batch makes a probe per key.
 */
final class ReadKey {
  private final Shape shape;
  private final Object key;
  private final Instant asOf;
  private final int hash;

  /**
   * What the keys of one view read share: the view version's id and the feature list. Equal shapes
   * compare equal whether or not they are the same instance; {@link ReadPath} hands out one
   * instance per (view version, features), so the common comparison is one identity check.
   */
  static final class Shape {
    private final String viewId;
    private final List<String> features;
    private final int hash;

    Shape(String viewId, List<String> features) {
      this.viewId = viewId;
      this.features = features;
      this.hash = viewId.hashCode() * 31 + features.hashCode();
    }

    String viewId() {
      return viewId;
    }

    List<String> features() {
      return features;
    }

    @Override
    public boolean equals(Object o) {
      return o == this
          || (o instanceof Shape s
              && s.hash == hash
              && s.viewId.equals(viewId)
              && s.features.equals(features));
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /**
   * @param key the entity key's join-key values, in the entity's order
   * @param asOf null for a read of now
   */
  ReadKey(Shape shape, List<Object> key, Instant asOf) {
    this(shape, key.size() == 1 ? byContent(key.get(0)) : byContent(key), asOf);
  }

  /**
   * A BYTES join-key value compared by its bytes (an array's equals is identity: equal keys never
   * shared a cache entry or a coalesced read); any other value as it is.
   */
  private static Object byContent(Object v) {
    return v instanceof byte[] b ? java.nio.ByteBuffer.wrap(b) : v;
  }

  private static Object byContent(List<Object> key) {
    for (Object v : key) {
      if (v instanceof byte[]) {
        return key.stream().map(ReadKey::byContent).toList();
      }
    }
    return key;
  }

  private ReadKey(Shape shape, Object key, Instant asOf) {
    this.shape = shape;
    this.key = key;
    this.asOf = asOf;
    // Spread (murmur3's fmix32): entity keys are often near-sequential strings ("u1", "u2", ...).
    int h = shape.hashCode() * 31 + key.hashCode();
    h = h * 31 + Objects.hashCode(asOf);
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    this.hash = h;
  }

  Shape shape() {
    return shape;
  }

  Instant asOf() {
    return asOf;
  }

  ReadKey withoutAsOf() {
    return asOf == null ? this : new ReadKey(shape, key, null);
  }

  @Override
  public boolean equals(Object o) {
    return o == this
        || (o instanceof ReadKey k
            && k.hash == hash
            && (k.shape == shape || k.shape.equals(shape))
            && k.key.equals(key)
            && Objects.equals(k.asOf, asOf));
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return "ReadKey[" + shape.viewId() + ", " + shape.features() + ", " + key + ", " + asOf + "]";
  }
}
