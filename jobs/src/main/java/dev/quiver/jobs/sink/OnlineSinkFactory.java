package dev.quiver.jobs.sink;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.FactoryUtil;

/**
 * The {@code quiver-online} table sink: writes a view's row features ({@code kind = rows}) or tile
 * states ({@code kind = tiles}, an upsert stream keyed by entity + tile) to the online store
 * through {@code FeatureWriter}. The store is configured by {@code store.*} options, which are the
 * store's own {@code online.*} keys with a {@code store.} prefix (for example {@code
 * 'store.online.type' = 'hbase'}).
 */
public final class OnlineSinkFactory implements DynamicTableSinkFactory {
  public static final String IDENTIFIER = "quiver-online";
  public static final String STORE_PREFIX = "store.";

  public static final ConfigOption<String> VIEW =
      ConfigOptions.key("view").stringType().noDefaultValue().withDescription("namespace.name");
  public static final ConfigOption<Integer> VERSION =
      ConfigOptions.key("version").intType().noDefaultValue().withDescription("view major");
  public static final ConfigOption<String> KIND =
      ConfigOptions.key("kind").stringType().noDefaultValue().withDescription("rows or tiles");
  public static final ConfigOption<String> KEY_COLUMNS =
      ConfigOptions.key("key-columns").stringType().noDefaultValue().withDescription("name:TYPE,…");
  public static final ConfigOption<String> FEATURES =
      ConfigOptions.key("features").stringType().noDefaultValue().withDescription("see spec");
  public static final ConfigOption<Long> TTL_MS =
      ConfigOptions.key("ttl-ms").longType().noDefaultValue().withDescription("view ttl");
  public static final ConfigOption<Long> TILE_MS =
      ConfigOptions.key("tile-size-ms").longType().noDefaultValue().withDescription("tile size");
  public static final ConfigOption<Integer> BATCH_SIZE =
      ConfigOptions.key("batch-size").intType().defaultValue(2000).withDescription("cells/batch");
  public static final ConfigOption<Duration> FLUSH_INTERVAL =
      ConfigOptions.key("flush-interval")
          .durationType()
          .defaultValue(Duration.ofMillis(100))
          .withDescription("longest wait of a buffered cell");

  public static final ConfigOption<Long> RATE_LIMIT =
      ConfigOptions.key("rate-limit")
          .longType()
          .defaultValue(0L)
          .withDescription(
              "most rows (or tiles) written per second over all subtasks; 0 = unlimited (backfills"
                  + " with --online set it so that serving latency holds)");

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Set.of(VIEW, VERSION, KIND, KEY_COLUMNS, FEATURES, TTL_MS, TILE_MS);
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return Set.of(BATCH_SIZE, FLUSH_INTERVAL, RATE_LIMIT);
  }

  @Override
  public DynamicTableSink createDynamicTableSink(Context context) {
    FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
    helper.validateExcept(STORE_PREFIX);
    ReadableConfig o = helper.getOptions();
    String kind = o.get(KIND);
    if (!kind.equals("rows") && !kind.equals("tiles")) {
      throw new IllegalArgumentException("kind: '" + kind + "' (expected: rows or tiles)");
    }
    String view = o.get(VIEW);
    int dot = view.indexOf('.');
    if (dot < 1) {
      throw new IllegalArgumentException("view: '" + view + "' (expected: namespace.name)");
    }
    SinkViewSpec spec =
        new SinkViewSpec(
            view.substring(0, dot),
            view.substring(dot + 1),
            o.get(VERSION),
            o.get(TTL_MS),
            o.get(TILE_MS),
            o.get(KEY_COLUMNS),
            o.get(FEATURES));
    spec.toView(); // validates the text forms on the client, not in the tasks
    Map<String, String> store = new HashMap<>();
    context
        .getCatalogTable()
        .getOptions()
        .forEach(
            (k, v) -> {
              if (k.startsWith(STORE_PREFIX)) {
                store.put(k.substring(STORE_PREFIX.length()), v);
              }
            });
    return new OnlineDynamicSink(
        spec,
        kind.equals("tiles"),
        store,
        o.get(BATCH_SIZE),
        o.get(FLUSH_INTERVAL).toMillis(),
        o.get(RATE_LIMIT),
        context.getPhysicalRowDataType());
  }
}
