package dev.quiver.online.embedded;

import dev.quiver.online.OnlineStoreException;
import dev.quiver.online.ViewTableId;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlinkCompactionFilter;
import org.rocksdb.FlinkCompactionFilter.FlinkCompactionFilterFactory;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * One open RocksDB instance per directory per JVM, shared by reference count, so that a Flink job
 * writing the embedded store and the lookup server reading it in the same process ({@code quiver
 * local}) use one instance (RocksDB allows only one opener of a directory).
 *
 * <p>Each view table is a RocksDB column family. Its TTL is kept in {@code tables.properties} in
 * the directory and enforced at compaction by the Flink TTL compaction filter that ships in
 * frocksdbjni (it reads the timestamp at offset 0 of each value), and at read time by the store.
 */
final class SharedRocksDb {
  private static final Map<Path, SharedRocksDb> OPEN = new HashMap<>();
  private static final String TTL_FILE = "tables.properties";

  static {
    RocksDB.loadLibrary();
  }

  private final Path path;
  private final RocksDB db;
  private final DBOptions dbOptions;
  private final LRUCache cache;
  private final Map<String, Family> families = new ConcurrentHashMap<>();
  private final Map<ViewTableId, ById> byTable = new ConcurrentHashMap<>();
  private volatile int generation;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final Properties ttls = new Properties();
  private int refs;

  private record ById(Family family, int generation) {}

  /** A column family with its TTL and compaction filter. */
  record Family(ColumnFamilyHandle handle, FlinkCompactionFilterFactory filter, long ttlMillis) {}

  private SharedRocksDb(Path path, int blockCacheMb) throws RocksDBException, IOException {
    this.path = path;
    Files.createDirectories(path);
    Path ttlFile = path.resolve(TTL_FILE);
    if (Files.exists(ttlFile)) {
      try (InputStream in = Files.newInputStream(ttlFile)) {
        ttls.load(in);
      }
    }
    this.cache = new LRUCache((long) blockCacheMb << 20);
    this.dbOptions =
        new DBOptions()
            .setCreateIfMissing(true)
            .setCreateMissingColumnFamilies(true)
            .setMaxBackgroundJobs(2)
            // No automatic resume after a background I/O error (a full disk): with it (RocksDB's
            // default), once a write had failed with "No space left on device" every later write
            // failed too, even after space was freed, and closing the store then hung for good,
            // taking the job's cancellation (and the process) with it. Without it, the failed
            // store closes, and the job's restart reopens it and goes on.
            .setMaxBgErrorResumeCount(0);
    List<byte[]> names;
    try (org.rocksdb.Options o = new org.rocksdb.Options()) {
      names = RocksDB.listColumnFamilies(o, path.toString());
    }
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, familyOptions(null)));
    List<FlinkCompactionFilterFactory> filters = new ArrayList<>();
    filters.add(null);
    for (byte[] n : names) {
      String name = new String(n, StandardCharsets.UTF_8);
      if (name.equals("default")) {
        continue;
      }
      FlinkCompactionFilterFactory f = filter(ttlOf(name));
      filters.add(f);
      descriptors.add(new ColumnFamilyDescriptor(n, familyOptions(f)));
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    this.db = RocksDB.open(dbOptions, path.toString(), descriptors, handles);
    for (int i = 1; i < handles.size(); i++) {
      String name = new String(descriptors.get(i).getName(), StandardCharsets.UTF_8);
      families.put(name, new Family(handles.get(i), filters.get(i), ttlOf(name)));
    }
    closeables.add(handles.get(0));
  }

  /** Opens (or shares) the instance at {@code path}. Pair with {@link #release()}. */
  static synchronized SharedRocksDb acquire(Path path, int blockCacheMb) {
    Path key = path.toAbsolutePath().normalize();
    SharedRocksDb db = OPEN.get(key);
    if (db == null) {
      try {
        db = new SharedRocksDb(key, blockCacheMb);
      } catch (RocksDBException | IOException e) {
        throw new OnlineStoreException(
            "cannot open the embedded online store at " + key + ": " + whatIsWrong(key, e), e);
      }
      OPEN.put(key, db);
    }
    db.refs++;
    return db;
  }

  /**
   * Why the store's directory cannot be used, with the fix, for the failures an operator can fix (a
   * file in the way, no permission, a read-only or full disk); else the failure's own message. (The
   * bare {@code FileAlreadyExistsException} of a file in the way said only the path.)
   */
  static String whatIsWrong(Path dir, Exception e) {
    String message = String.valueOf(e.getMessage());
    String fix =
        "; set online.embedded.path (--set online.embedded.path=DIR) to a directory this process"
            + " can write, or fix this one";
    if (e instanceof java.nio.file.FileAlreadyExistsException
        || e instanceof java.nio.file.NotDirectoryException
        || e instanceof java.nio.file.FileSystemException f
            && String.valueOf(f.getReason()).contains("Not a directory")) {
      Path file = dir;
      while (file != null && !Files.isRegularFile(file)) {
        file = file.getParent();
      }
      return (file == null ? "a file is in its path" : file + " is a file, not a directory")
          + " ("
          + e.getClass().getSimpleName()
          + ")"
          + fix
          + " (move the file away)";
    }
    if (e instanceof java.nio.file.AccessDeniedException
        || message.contains("Permission denied")
        || message.contains("Read-only file system")) {
      return "the directory is not writable (" + message + ")" + fix;
    }
    if (message.contains("No space left on device")) {
      return "the disk is full ("
          + message
          + "); free space on it"
          + fix.replace("; set", ", or set");
    }
    return message;
  }

  /** Drops one reference; the last closes RocksDB. */
  void release() {
    synchronized (SharedRocksDb.class) {
      if (--refs > 0) {
        return;
      }
      OPEN.remove(path);
    }
    families.values().forEach(f -> f.handle().close());
    db.close();
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing native handles does not fail in practice; nothing to do if it does
      }
    }
    dbOptions.close();
    cache.close();
  }

  RocksDB db() {
    return db;
  }

  Family family(ViewTableId table) {
    // By table id first: familyName() builds a string, and this runs once per read. An entry of an
    // older generation (a family created or re-configured since) is looked up again by name.
    ById cached = byTable.get(table);
    int gen = generation;
    if (cached != null && cached.generation() == gen) {
      return cached.family();
    }
    Family f = families.get(table.familyName());
    if (f != null) {
      byTable.put(table, new ById(f, gen));
    }
    return f;
  }

  /** Creates the family or updates its TTL. */
  synchronized void ensureFamily(ViewTableId table, Duration ttl) {
    String name = table.familyName();
    long ttlMillis = ttl.toMillis();
    try {
      Family existing = families.get(name);
      if (existing == null) {
        FlinkCompactionFilterFactory f = filter(ttlMillis);
        ColumnFamilyHandle h =
            db.createColumnFamily(
                new ColumnFamilyDescriptor(
                    name.getBytes(StandardCharsets.UTF_8), familyOptions(f)));
        families.put(name, new Family(h, f, ttlMillis));
      } else if (existing.ttlMillis() != ttlMillis) {
        existing.filter().configure(FlinkCompactionFilter.Config.createForValue(ttlMillis, 1000));
        families.put(name, new Family(existing.handle(), existing.filter(), ttlMillis));
      }
      generation++; // after the put: cached ids read before it are looked up again
      ttls.setProperty(name, Long.toString(ttlMillis));
      Path tmp = path.resolve(TTL_FILE + ".tmp");
      try (OutputStream out = Files.newOutputStream(tmp)) {
        ttls.store(out, "TTL in millis of each view table (column family)");
      }
      Files.move(tmp, path.resolve(TTL_FILE), StandardCopyOption.REPLACE_EXISTING);
    } catch (RocksDBException | IOException e) {
      throw new OnlineStoreException("cannot create online table " + name + ": " + e, e);
    }
  }

  private long ttlOf(String family) {
    return Long.parseLong(ttls.getProperty(family, Long.toString(Long.MAX_VALUE / 4)));
  }

  private FlinkCompactionFilterFactory filter(long ttlMillis) {
    FlinkCompactionFilterFactory f = new FlinkCompactionFilterFactory(System::currentTimeMillis);
    f.configure(FlinkCompactionFilter.Config.createForValue(ttlMillis, 1000));
    closeables.add(f);
    return f;
  }

  /** Per level (L0..L6): none on the levels that writes keep rewriting, LZ4 below. */
  private static final List<CompressionType> COMPRESSION_PER_LEVEL =
      List.of(
          CompressionType.NO_COMPRESSION,
          CompressionType.NO_COMPRESSION,
          CompressionType.LZ4_COMPRESSION,
          CompressionType.LZ4_COMPRESSION,
          CompressionType.LZ4_COMPRESSION,
          CompressionType.LZ4_COMPRESSION,
          CompressionType.LZ4_COMPRESSION);

  private ColumnFamilyOptions familyOptions(FlinkCompactionFilterFactory filter) {
    // Point-lookup tuning: small blocks, LZ4, Bloom filters on the fixed per-entity hash prefix
    // (also in the memtable), so a seek only touches files that hold the entity.
    BlockBasedTableConfig table =
        new BlockBasedTableConfig()
            .setBlockCache(cache)
            .setFilterPolicy(new BloomFilter(10, false))
            .setWholeKeyFiltering(false)
            .setBlockSize(4 * 1024);
    ColumnFamilyOptions o =
        new ColumnFamilyOptions()
            .setTableFormatConfig(table)
            .useFixedLengthPrefixExtractor(EmbeddedKeys.HASH_BYTES)
            .setMemtablePrefixBloomSizeRatio(0.05)
            .setCompressionType(CompressionType.LZ4_COMPRESSION)
            // Upserts rewrite recent tiles and rows: the young levels are rewritten often, so
            // they stay uncompressed (no LZ4 on flush and on L0/L1 compactions); older levels
            // keep LZ4.
            .setCompressionPerLevel(COMPRESSION_PER_LEVEL)
            .setLevelCompactionDynamicLevelBytes(true);
    if (filter != null) {
      o.setCompactionFilterFactory(filter);
    }
    closeables.add(o);
    return o;
  }
}
