package dev.quiver.online;

import dev.quiver.core.codec.ValueCodec;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.tile.TileAggregator;
import dev.quiver.core.tile.TileAggregators;
import dev.quiver.core.tile.TileBundle;
import dev.quiver.core.tile.TileRef;
import dev.quiver.core.tile.TileState;
import dev.quiver.core.tile.Tiling;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Reads features of a view for a batch of entity keys with one {@link OnlineStore#multiGet}: row
 * features are decoded, window aggregations merged from tiles at request time by the window rule of
 * {@link Tiling} (minimal cover of fine and rollup tiles), and row features older than the view's
 * TTL are dropped (never served as current).
 *
 * <p>Time: a "now" read uses {@code t = clock.millis()} and the newest version of every cell (the
 * head tile holds the events that have arrived so far). An {@code as_of} read at t uses for row
 * features and the head tile the newest version with {@code ts <= t} (a tile version's ts is the
 * newest event time folded into it, so no event after t is counted), and the newest version of the
 * closed tiles before the head (all their events are before t). TTL: a row value counts only if
 * {@code ts > t - ttl} (the offline rule: a value exactly ttl old has expired).
 *
 * <p>Thread-safe; holds no resources of its own (the caller closes the store).
 */
public final class FeatureReader {
  private final OnlineStore store;
  private final Clock clock;

  /**
   * The time-independent part of a plan (resolved features, their row qualifiers) per view object
   * and feature list. Callers (the lookup service) hold their views in plan caches, so the same
   * objects come back on every request; a view is compared by identity (a registry refresh makes
   * new objects: the map is cleared when it grows past {@link #MAX_SHAPES}).
   */
  private final java.util.concurrent.ConcurrentHashMap<ShapeKey, Shape> shapes =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static final int MAX_SHAPES = 1024;

  /** The view tables whose last read found them never created (see {@link #unmaterialized}). */
  private final Set<ViewTableId> missingTables = java.util.concurrent.ConcurrentHashMap.newKeySet();

  public FeatureReader(OnlineStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /**
   * Reads {@code featureNames} of {@code view} for each encoded entity key.
   *
   * @param entityKeys keys encoded with {@code EntityKeyCodec} using the view's entity join keys
   * @param asOfMillis null for now, else the as-of time in epoch millis
   * @return one element per entity key, in order; fails only if the whole batch failed (a view
   *     table never created, i.e. a view not materialized yet, holds nothing: its keys are
   *     NOT_FOUND)
   * @throws IllegalArgumentException for an unknown feature name (synchronously)
   */
  public CompletableFuture<List<EntityFeatures>> read(
      FeatureView view, List<String> featureNames, List<byte[]> entityKeys, Long asOfMillis) {
    Batch b = plan(view, featureNames, entityKeys, asOfMillis);
    if (beforeEveryCell(asOfMillis)) {
      return CompletableFuture.completedFuture(b.assemble(nothingStored(b.reads.size())));
    }
    return store
        .multiGet(b.reads)
        .handle(
            (results, err) -> {
              if (err == null) {
                noteTable(b.reads, tableFound(results));
                return b.assemble(results);
              }
              Throwable cause =
                  err instanceof CompletionException && err.getCause() != null
                      ? err.getCause()
                      : err;
              if (cause instanceof UnknownTableException) {
                noteTable(b.reads, false);
                return b.assemble(nothingStored(b.reads.size()));
              }
              throw err instanceof CompletionException ce ? ce : new CompletionException(err);
            });
  }

  /**
   * Whether the last read of {@code view}'s online table found it never created: no job or backfill
   * has materialized the view yet (its keys then read as nothing stored, NOT_FOUND). False before
   * the table's first read, and once a read finds the table. Thread-safe, cheap (no lookup while
   * every table read exists).
   */
  public boolean unmaterialized(FeatureView view) {
    return !missingTables.isEmpty() && missingTables.contains(ViewTableId.of(view));
  }

  /** Notes whether a read of {@code reads}' table found it (for {@link #unmaterialized}). */
  private void noteTable(List<OnlineRead> reads, boolean found) {
    if (reads.isEmpty()) {
      return;
    }
    if (found) {
      if (!missingTables.isEmpty()) {
        missingTables.remove(reads.get(0).table());
      }
    } else {
      missingTables.add(reads.get(0).table());
    }
  }

  /** Whether results of one table's reads say the table exists (a store may answer per key). */
  private static boolean tableFound(List<OnlineReadResult> results) {
    return results.isEmpty() || !(results.get(0).error() instanceof UnknownTableException);
  }

  /**
   * Whether an as-of time precedes every cell: cells are written with {@code ts >= 0} ({@link
   * OnlineWrite}), so a read before 1970 finds nothing and is answered without the store.
   */
  private static boolean beforeEveryCell(Long asOfMillis) {
    return asOfMillis != null && asOfMillis < 0;
  }

  private static List<OnlineReadResult> nothingStored(int reads) {
    List<OnlineReadResult> out = new ArrayList<>(reads);
    for (int i = 0; i < reads; i++) {
      out.add(OnlineReadResult.found(Map.of()));
    }
    return out;
  }

  /**
   * Like {@link #read}, on the calling thread, for a store whose {@link OnlineStore#readsInline()}
   * is true; the caller bounds the batch size (the thread is held for the whole read).
   *
   * @throws UnsupportedOperationException when the store reads over the network
   */
  public List<EntityFeatures> readInline(
      FeatureView view, List<String> featureNames, List<byte[]> entityKeys, Long asOfMillis) {
    Batch b = plan(view, featureNames, entityKeys, asOfMillis);
    if (beforeEveryCell(asOfMillis)) {
      return b.assemble(nothingStored(b.reads.size()));
    }
    List<OnlineReadResult> results;
    try {
      results = store.multiGetInline(b.reads);
    } catch (UnknownTableException e) {
      noteTable(b.reads, false);
      return b.assemble(nothingStored(b.reads.size()));
    }
    noteTable(b.reads, tableFound(results));
    return b.assemble(results);
  }

  /**
   * Builds the caller's value objects straight from a read's decoded values (see {@link
   * #readInlineRows}), so that no intermediate map or value record is made per key.
   *
   * @param <V> the caller's value type
   */
  @FunctionalInterface
  public interface ValueFactory<V> {
    /**
     * @param value the decoded value (see {@code ValueCodec} for Java types); never null
     * @param ts the value's event time, epoch millis
     */
    V value(Object value, long ts);
  }

  /**
   * The allocation-lean form of {@link #readInline} for the lookup server's single-key reads: when
   * {@code featureNames} are all row features (no window aggregation) and the read is of now, fills
   * {@code out[k]} with a new row from {@code newRow} for each entity key, holding at feature
   * {@code i} {@code values.value(value, ts)} of its current cell, or null where {@link
   * #readInline} would hold no feature or a null value (never written, past the TTL, a null value).
   * Reads through {@link OnlineStore#multiGetInlineCells}: no map, result or value record per key.
   *
   * @param out one slot per entity key
   * @return false (and nothing read) when the read does not qualify: then use {@link #readInline}
   * @throws OnlineStoreException when the read of any key failed
   * @throws IllegalArgumentException for an unknown feature name
   * @throws UnsupportedOperationException when the store reads over the network
   */
  public <V> boolean readInlineRows(
      FeatureView view,
      List<String> featureNames,
      List<byte[]> entityKeys,
      ValueFactory<V> values,
      java.util.function.IntFunction<V[]> newRow,
      V[][] out) {
    Shape shape = shape(view, featureNames);
    if (shape.hasAggregations()) {
      return false;
    }
    long expiredTs = clock.millis() - view.ttl().toMillis();
    List<OnlineRead> reads = new ArrayList<>(entityKeys.size());
    for (byte[] key : entityKeys) {
      reads.add(OnlineRead.latest(shape.table(), key, shape.readQualifiers()));
    }
    OnlineCell[][] cells;
    try {
      cells = store.multiGetInlineCells(reads);
      noteTable(reads, true);
    } catch (UnknownTableException e) {
      noteTable(reads, false);
      cells = new OnlineCell[reads.size()][shape.readQualifiers().size()]; // nothing stored
    }
    List<Feature> features = shape.features();
    int[] readIndex = shape.readIndex();
    for (int k = 0; k < out.length; k++) {
      V[] row = newRow.apply(features.size());
      OnlineCell[] found = cells[k];
      for (int i = 0; i < row.length; i++) {
        OnlineCell c = found[readIndex[i]];
        if (c != null && c.ts() > expiredTs) {
          Object v = ValueCodec.decode(features.get(i).dtype(), c.value());
          if (v != null) {
            row[i] = values.value(v, c.ts());
          }
        }
      }
      out[k] = row;
    }
    return true;
  }

  private Batch plan(
      FeatureView view, List<String> featureNames, List<byte[]> entityKeys, Long asOfMillis) {
    Shape shape = shape(view, featureNames);
    // An as_of far beyond any event time (a request may send any epoch millis) reads at the nearest
    // time the tile arithmetic holds: the same answer, without overflowing the tile cover.
    long t = asOfMillis == null ? clock.millis() : Tiling.clampReadTime(asOfMillis);
    if (!shape.hasAggregations() && asOfMillis == null) {
      // Rows only, read now: the whole plan but "t" is fixed per (view, features).
      List<OnlineRead> reads = new ArrayList<>(entityKeys.size());
      for (byte[] key : entityKeys) {
        reads.add(OnlineRead.latest(shape.table(), key, shape.readQualifiers()));
      }
      return new Batch(
          shape.features(),
          shape.featureQualifiers(),
          shape.tileSeries(),
          Map.of(),
          reads,
          entityKeys.size(),
          1,
          t - view.ttl().toMillis(),
          shape.version());
    }
    List<Feature> features = shape.features();
    ViewTableId table = shape.table();
    boolean asOf = asOfMillis != null;
    // The tile cover depends on t only through its head tile: a "now" read reuses the plan of the
    // last read in the same head tile.
    TilePlan tp;
    if (asOf) {
      tp = tilePlan(shape, view, t);
    } else {
      tp = shape.nowPlan().get();
      if (tp == null || tp.head() != Math.floorDiv(t, tp.tileSize()) * tp.tileSize()) {
        tp = tilePlan(shape, view, t);
        shape.nowPlan().set(tp);
      }
    }
    List<String> current = tp.current();
    List<String> closed = tp.closed();
    Map<Feature, List<String>> tileQualifiers = tp.tileQualifiers();
    List<OnlineRead> reads = new ArrayList<>(entityKeys.size());
    if (!asOf) {
      List<String> all = tp.all(); // one immutable list shared by every key's read
      for (byte[] key : entityKeys) {
        reads.add(OnlineRead.latest(table, key, all));
      }
    } else {
      for (byte[] key : entityKeys) {
        // t < 0: never sent to the store (beforeEveryCell), whose reads take asOf >= 0
        reads.add(new OnlineRead(table, key, current, Math.max(t, 0), 0));
        if (!closed.isEmpty()) {
          reads.add(OnlineRead.latest(table, key, closed));
        }
      }
    }
    int readsPerKey = asOf && !closed.isEmpty() ? 2 : 1;
    return new Batch(
        features,
        shape.featureQualifiers(),
        shape.tileSeries(),
        tileQualifiers,
        reads,
        entityKeys.size(),
        readsPerKey,
        t - view.ttl().toMillis(),
        shape.version());
  }

  /**
   * The qualifiers of a read at {@code t} of a view with window aggregations.
   *
   * @param tileSize the fine tile size (0 for a view without aggregations)
   * @param head the head tile's start (the plan holds for every t in that tile)
   * @param current read at the as-of time: rows and head tiles
   * @param closed read at their newest version: closed tiles
   * @param all current then closed, for a "now" read
   */
  private record TilePlan(
      long tileSize,
      long head,
      List<String> current,
      List<String> closed,
      List<String> all,
      Map<Feature, List<String>> tileQualifiers) {}

  private static TilePlan tilePlan(Shape shape, FeatureView view, long t) {
    List<String> current = new ArrayList<>(shape.features().size());
    Set<String> closed = new LinkedHashSet<>();
    Map<Feature, List<String>> tileQualifiers = new HashMap<>();
    Tiling tiling = shape.hasAggregations() ? Tiling.forView(view) : null;
    for (Feature f : shape.features()) {
      if (!f.isAggregation()) {
        String q = Qualifiers.row(f.name());
        if (!current.contains(q)) {
          current.add(q);
        }
        continue;
      }
      List<String> qs = new ArrayList<>();
      for (TileRef ref : tiling.cover(t, f.aggregation().window().toMillis())) {
        String q = Qualifiers.tile(ref);
        qs.add(q);
        boolean head = ref.start() == tiling.tileStart(t) && ref.resolution() == tiling.tileSize();
        if (head) {
          if (!current.contains(q)) {
            current.add(q);
          }
        } else {
          closed.add(q);
        }
      }
      tileQualifiers.put(f, List.copyOf(qs));
    }
    List<String> all = new ArrayList<>(current);
    all.addAll(closed);
    return new TilePlan(
        tiling == null ? 0 : tiling.tileSize(),
        tiling == null ? t : tiling.tileStart(t),
        List.copyOf(current),
        List.copyOf(closed),
        List.copyOf(all),
        Map.copyOf(tileQualifiers));
  }

  private Shape shape(FeatureView view, List<String> featureNames) {
    ShapeKey key = new ShapeKey(view, featureNames);
    Shape s = shapes.get(key);
    if (s == null) {
      List<Feature> features = List.copyOf(resolve(view, featureNames));
      List<String> rowQualifiers = new ArrayList<>(features.size());
      List<byte[]> tileSeries = new ArrayList<>(features.size());
      boolean aggregations = false;
      for (Feature f : features) {
        if (f.isAggregation()) {
          aggregations = true;
          rowQualifiers.add(null);
          tileSeries.add(
              TileAggregators.seriesName(f.aggregation()).getBytes(StandardCharsets.UTF_8));
        } else {
          rowQualifiers.add(Qualifiers.row(f.name()));
          tileSeries.add(null);
        }
      }
      // List.copyOf: a list OnlineRead keeps as is (it copies Stream.toList()'s, which allows
      // nulls), so every read of the shape shares one instance and the store's per-list plan.
      List<String> distinctRows =
          List.copyOf(
              rowQualifiers.stream().filter(java.util.Objects::nonNull).distinct().toList());
      int[] readIndex = new int[features.size()];
      for (int i = 0; i < readIndex.length; i++) {
        readIndex[i] =
            rowQualifiers.get(i) == null ? -1 : distinctRows.indexOf(rowQualifiers.get(i));
      }
      s =
          new Shape(
              features,
              java.util.Collections.unmodifiableList(rowQualifiers),
              java.util.Collections.unmodifiableList(tileSeries),
              distinctRows,
              readIndex,
              aggregations,
              ViewTableId.of(view),
              view.version().toString(),
              new java.util.concurrent.atomic.AtomicReference<>());
      if (shapes.size() >= MAX_SHAPES) {
        shapes.clear();
      }
      shapes.put(new ShapeKey(view, List.copyOf(featureNames)), s);
    }
    return s;
  }

  /**
   * A view (by identity) and a feature list.
   *
   * @param view compared by identity
   */
  private record ShapeKey(FeatureView view, List<String> names) {
    @Override
    public boolean equals(Object o) {
      return o instanceof ShapeKey k && k.view == view && k.names.equals(names);
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(view) * 31 + names.hashCode();
    }
  }

  /**
   * What a plan needs that does not depend on time.
   *
   * @param featureQualifiers one entry per feature: its row qualifier, null for an aggregation
   * @param tileSeries one entry per feature: its tile series name in UTF-8 (the name inside a tile
   *     bundle), null for a row feature
   * @param readQualifiers the distinct row qualifiers, in feature order
   * @param readIndex one entry per feature: the index of its row qualifier in readQualifiers, -1
   *     for an aggregation
   * @param nowPlan the tile plan of the latest "now" read (views with aggregations)
   */
  private record Shape(
      List<Feature> features,
      List<String> featureQualifiers,
      List<byte[]> tileSeries,
      List<String> readQualifiers,
      int[] readIndex,
      boolean hasAggregations,
      ViewTableId table,
      String version,
      java.util.concurrent.atomic.AtomicReference<TilePlan> nowPlan) {}

  /** The store reads of one batch and how to assemble their results. */
  private record Batch(
      List<Feature> features,
      List<String> featureQualifiers,
      List<byte[]> tileSeries,
      Map<Feature, List<String>> tileQualifiers,
      List<OnlineRead> reads,
      int keys,
      int readsPerKey,
      long expiredTs,
      String version) {
    List<EntityFeatures> assemble(List<OnlineReadResult> results) {
      List<EntityFeatures> out = new ArrayList<>(keys);
      for (int i = 0; i < keys; i++) {
        out.add(
            FeatureReader.assemble(
                this,
                results.get(i * readsPerKey),
                readsPerKey == 2 ? results.get(i * 2 + 1) : null));
      }
      return out;
    }
  }

  /**
   * A read of a table that was never created (the view is registered but no job or backfill has
   * materialized it yet) holds nothing: its keys are NOT_FOUND, not failed reads. A failure would
   * answer STALE and count toward the lookup server's circuit breaker, so lookups of one
   * unmaterialized view would turn every lookup on the server STALE.
   */
  private static OnlineReadResult orNothingStored(OnlineReadResult r) {
    return !r.ok() && r.error() instanceof UnknownTableException
        ? OnlineReadResult.found(Map.of())
        : r;
  }

  /** One key's features from its read (and, for an as-of read of tiles, its closed-tile read). */
  private static EntityFeatures assemble(Batch b, OnlineReadResult first, OnlineReadResult second) {
    first = orNothingStored(first);
    second = second == null ? null : orNothingStored(second);
    if (!first.ok()) {
      return new EntityFeatures(EntityFeatures.Status.ERROR, Map.of(), first.error());
    }
    if (second != null && !second.ok()) {
      return new EntityFeatures(EntityFeatures.Status.ERROR, Map.of(), second.error());
    }
    Map<String, OnlineCell> cells = first.cells();
    if (second != null && !second.cells().isEmpty()) {
      cells = new HashMap<>(cells);
      cells.putAll(second.cells());
    }
    List<Feature> features = b.features();
    Map<String, FeatureValue> values = new LinkedHashMap<>();
    boolean missing = false;
    for (int i = 0; i < features.size(); i++) {
      Feature f = features.get(i);
      if (!f.isAggregation()) {
        OnlineCell c = cells.get(b.featureQualifiers().get(i));
        if (c == null || c.ts() <= b.expiredTs()) {
          missing = true;
        } else {
          values.put(
              f.name(),
              new FeatureValue(ValueCodec.decode(f.dtype(), c.value()), c.ts(), b.version()));
        }
        continue;
      }
      TileAggregator agg = TileAggregators.forFeature(f);
      byte[] series = b.tileSeries().get(i);
      TileState state = agg.empty();
      Long ts = null;
      for (String q : b.tileQualifiers().get(f)) {
        OnlineCell c = cells.get(q);
        byte[] s = c == null ? null : TileBundle.find(c.value(), series);
        if (s != null) {
          state = agg.merge(state, agg.decode(s));
          ts = ts == null ? c.ts() : Math.max(ts, c.ts());
        }
      }
      values.put(f.name(), new FeatureValue(agg.finish(state), ts, b.version()));
    }
    EntityFeatures.Status status =
        cells.isEmpty()
            ? EntityFeatures.Status.NOT_FOUND
            : missing ? EntityFeatures.Status.PARTIAL : EntityFeatures.Status.OK;
    return new EntityFeatures(status, values, null);
  }

  private static List<Feature> resolve(FeatureView view, List<String> names) {
    List<Feature> out = new ArrayList<>(names.size());
    for (String n : names) {
      out.add(
          view.feature(n)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "unknown feature '"
                              + n
                              + "' in view "
                              + view.qualifiedName()
                              + ":"
                              + view.version()
                              + " (known: "
                              + view.features().stream().map(Feature::name).toList()
                              + ")")));
    }
    return out;
  }
}
