package dev.quiver.serving;

import java.time.Instant;
import java.util.List;

/** Identity of one key's read of one view version: the unit of caching and coalescing. */
record ReadKey(String viewId, List<String> features, List<Object> key, Instant asOf) {
  ReadKey withoutAsOf() {
    return asOf == null ? this : new ReadKey(viewId, features, key, null);
  }
}
