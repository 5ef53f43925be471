package dev.quiver.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Realistic sample events for any source schema, so that {@code quiver local} shows live values for
 * the example views: ids from small pools (so entities get many events), amounts with cents,
 * merchants and countries from short lists, the event time near now. A small share is deliberately
 * imperfect, as real streams are: about 10% out of order within the watermark delay, 1% too late,
 * 3% duplicates (the same bytes again) and 1% malformed (bad JSON or a wrong type); the job sends
 * the late and malformed ones to the dead-letter topic. Too late means beyond the watermark delay
 * and the largest allowed lateness of the views reading the source (session 12 QA pass: the late
 * ones were 10 minutes old, which the example views' 1h lateness accepted, so quiver local showed
 * no too-late event for transactions).
 *
 * <p>Not thread-safe; one per producing thread.
 */
public final class SampleEvents {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> MERCHANTS =
      List.of("acme_books", "blue_cafe", "city_taxi", "fresh_market", "game_hub", "quick_fuel");
  private static final List<String> COUNTRIES = List.of("US", "DE", "FR", "BR", "IN", "JP");
  private static final List<String> WORDS =
      List.of("view", "click", "search", "add_to_cart", "checkout", "login");

  private final Source source;
  private final Random random;
  private final Clock clock;
  private final long lateMs;
  private final SampleEncoding encoding;
  private final Deque<Sample> recent = new ArrayDeque<>();
  private long counter;

  /**
   * One Kafka record: its key (the event's first {@code *_id} column that is not the dedup key, so
   * that an entity's events share a partition; null when there is none or the event is malformed)
   * and its value in the source's format.
   */
  public record Sample(byte[] key, byte[] value) {}

  /**
   * @param allowedLateness the largest allowed lateness of the views that read {@code source}
   */
  public SampleEvents(Source source, long seed, Clock clock, Duration allowedLateness) {
    this.source = source;
    this.random = new Random(seed);
    this.clock = clock;
    this.lateMs = source.watermarkDelay().toMillis() + allowedLateness.toMillis() + 10 * 60_000L;
    this.encoding = new SampleEncoding(source);
  }

  /** The next event, encoded in the source's format ({@code json}, debezium-json or avro). */
  public Sample next() {
    counter++;
    double p = random.nextDouble();
    if (p < 0.03 && !recent.isEmpty()) {
      return recent.peekLast(); // a duplicate
    }
    if (p < 0.04) {
      return new Sample(null, encoding.malformed(source.eventTimeField(), random.nextBoolean()));
    }
    long now = clock.millis();
    long delay = Math.max(1000, source.watermarkDelay().toMillis());
    long eventTime;
    if (p < 0.05) {
      eventTime = now - lateMs - random.nextInt(60_000); // too late for every view
    } else if (p < 0.15) {
      eventTime = now - random.nextInt((int) Math.min(Integer.MAX_VALUE, delay));
    } else {
      eventTime = now;
    }
    ObjectNode o = JSON.createObjectNode();
    for (SourceField f : source.schema()) {
      if (f.name().equals(source.eventTimeField())) {
        if (f.type().scalar() == FeatureType.Scalar.TIMESTAMP) {
          o.put(f.name(), Instant.ofEpochMilli(eventTime).toString());
        } else {
          o.put(f.name(), eventTime);
        }
      } else if (f.name().equals(source.dedupKey())) {
        o.put(f.name(), source.name() + "-" + Long.toHexString(now) + "-" + counter);
      } else {
        put(o, f);
      }
    }
    Sample sample = new Sample(key(o), encoding.encode(o, now));
    recent.addLast(sample);
    if (recent.size() > 20) {
      recent.removeFirst();
    }
    return sample;
  }

  private byte[] key(ObjectNode event) {
    for (SourceField f : source.schema()) {
      if (f.name().endsWith("_id") && !f.name().equals(source.dedupKey()) && event.has(f.name())) {
        return event.get(f.name()).asText().getBytes(StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private void put(ObjectNode o, SourceField f) {
    String name = f.name().toLowerCase(Locale.ROOT);
    FeatureType t = f.type();
    if (t.array()) {
      ArrayNode a = o.putArray(f.name());
      for (int i = 0; i < 3; i++) {
        if (t.scalar().isNumeric()) {
          a.add(random.nextDouble());
        } else {
          a.add(WORDS.get(random.nextInt(WORDS.size())));
        }
      }
      return;
    }
    if (name.endsWith("_id")
        && (t.scalar() == FeatureType.Scalar.INT32 || t.scalar() == FeatureType.Scalar.INT64)) {
      o.put(f.name(), random.nextInt(50)); // a numeric entity id: a small pool, as for text ids
      return;
    }
    switch (t.scalar()) {
      case STRING -> o.put(f.name(), text(name));
      case INT32 -> o.put(f.name(), random.nextInt(10) + 1);
      case INT64 -> o.put(f.name(), (long) random.nextInt(1000));
      case FLOAT32, FLOAT64 -> o.put(f.name(), Math.round(random.nextDouble() * 20_000) / 100.0);
      case BOOL -> o.put(f.name(), random.nextInt(10) == 0);
      case TIMESTAMP -> o.put(f.name(), Instant.ofEpochMilli(clock.millis()).toString());
      case BYTES -> o.put(f.name(), "AAEC");
      default -> {}
    }
  }

  private String text(String name) {
    if (name.endsWith("_id")) {
      String prefix = name.substring(0, name.length() - 3);
      int pool = prefix.equals("session") ? 200 : 50;
      return prefix + "_" + random.nextInt(pool);
    }
    if (name.contains("merchant")) {
      return MERCHANTS.get(random.nextInt(MERCHANTS.size()));
    }
    if (name.contains("country")) {
      return COUNTRIES.get(random.nextInt(COUNTRIES.size()));
    }
    List<String> pool =
        switch (name) {
          case "currency" -> List.of("USD", "EUR", "BRL", "INR", "JPY");
          case "channel" -> List.of("web", "app", "pos");
          case "device" -> List.of("ios", "android", "web");
          case "page" -> List.of("/home", "/search", "/item", "/cart", "/checkout", "/help");
          case "referrer" -> List.of("google", "newsletter", "direct", "partner");
          default -> null;
        };
    if (pool != null) {
      return pool.get(random.nextInt(pool.size()));
    }
    return WORDS.get(random.nextInt(WORDS.size()));
  }
}
