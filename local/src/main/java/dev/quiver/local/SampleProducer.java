package dev.quiver.local;

import dev.quiver.core.spec.Source;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Produces {@link SampleEvents} for each Kafka source at a steady rate on one daemon thread. */
final class SampleProducer implements AutoCloseable {
  private final String bootstrap;
  private final List<Source> sources;
  private final Map<String, Duration> lateness;
  private final int perSecond;
  private final Thread thread;
  private volatile boolean running = true;

  /**
   * @param lateness the largest allowed lateness of the views reading each source, by topic
   */
  SampleProducer(
      String bootstrap, List<Source> sources, Map<String, Duration> lateness, int perSecond) {
    this.bootstrap = bootstrap;
    this.sources = sources;
    this.lateness = Map.copyOf(lateness);
    this.perSecond = Math.max(1, perSecond);
    this.thread = new Thread(this::loop, "quiver-sample-events");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  private void loop() {
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", bootstrap, "linger.ms", "5"),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      SampleEvents[] gens = new SampleEvents[sources.size()];
      for (int i = 0; i < gens.length; i++) {
        Source s = sources.get(i);
        gens[i] =
            new SampleEvents(
                s,
                17L + i,
                Clock.systemUTC(),
                lateness.getOrDefault(s.option("topic"), Duration.ZERO));
      }
      long intervalNanos = 1_000_000_000L / perSecond;
      long next = System.nanoTime();
      while (running) {
        for (int i = 0; i < gens.length; i++) {
          Source s = sources.get(i);
          SampleEvents.Sample event = gens[i].next();
          producer.send(new ProducerRecord<>(s.option("topic"), event.key(), event.value()));
        }
        next += intervalNanos;
        long sleep = next - System.nanoTime();
        if (sleep > 0) {
          Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(5_000);
  }
}
