package dev.quiver.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The launcher against itself: a real broker that creates topics and carries records. */
class EmbeddedKafkaITCase {
  @Test
  void startsCreatesTopicsAndCarriesRecords() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      kafka.createTopic("a", 3);
      kafka.ensureTopics(List.of("a", "b", "b"), 2); // "a" exists: left with its 3 partitions
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        var topics = admin.describeTopics(List.of("a", "b")).allTopicNames().get();
        assertThat(topics.get("a").partitions()).hasSize(3);
        assertThat(topics.get("b").partitions()).hasSize(2);
      }
      assertThatThrownBy(() -> kafka.createTopic("a", 1)).hasMessageContaining("already exists");

      Map<String, Object> common = Map.of("bootstrap.servers", kafka.bootstrapServers());
      try (var producer =
          new KafkaProducer<>(common, new StringSerializer(), new StringSerializer())) {
        for (int i = 0; i < 10; i++) {
          producer.send(new ProducerRecord<>("b", i % 2, null, "v" + i)).get();
        }
      }
      List<String> got = new ArrayList<>();
      try (var consumer =
          new KafkaConsumer<>(common, new StringDeserializer(), new StringDeserializer())) {
        List<TopicPartition> parts =
            List.of(new TopicPartition("b", 0), new TopicPartition("b", 1));
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        long deadline = System.currentTimeMillis() + 20_000;
        while (got.size() < 10 && System.currentTimeMillis() < deadline) {
          for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
            got.add(r.value());
          }
        }
      }
      assertThat(got)
          .containsExactlyInAnyOrder("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9");
    }
  }

  /**
   * A broker restarted in place (same port, same log directory) still holds what it had, and a
   * client created before the restart, knowing only the old bootstrap address, reads and writes
   * through it again.
   */
  @Test
  void restartsInPlaceOnTheSamePortAndLogDirectory() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      kafka.createTopic("r", 1);
      String bootstrap = kafka.bootstrapServers();
      java.nio.file.Path base = kafka.baseDirectory();
      Map<String, Object> common =
          Map.of("bootstrap.servers", bootstrap, "delivery.timeout.ms", "60000");
      try (var producer =
          new KafkaProducer<>(common, new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>("r", "before")).get();
        kafka.stopBroker();
        assertThatThrownBy(
                () -> {
                  try (Admin admin =
                      Admin.create(
                          Map.of(
                              "bootstrap.servers",
                              bootstrap,
                              "default.api.timeout.ms",
                              "2000",
                              "request.timeout.ms",
                              "1000"))) {
                    admin.describeCluster().nodes().get();
                  }
                })
            .as("the broker is down")
            .hasRootCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
        kafka.startBroker();
        assertThat(kafka.bootstrapServers()).isEqualTo(bootstrap);
        assertThat(kafka.baseDirectory()).isEqualTo(base);
        producer.send(new ProducerRecord<>("r", "after")).get();
      }
      List<String> got = new ArrayList<>();
      try (var consumer =
          new KafkaConsumer<>(common, new StringDeserializer(), new StringDeserializer())) {
        List<TopicPartition> parts = List.of(new TopicPartition("r", 0));
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        long deadline = System.currentTimeMillis() + 20_000;
        while (got.size() < 2 && System.currentTimeMillis() < deadline) {
          for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
            got.add(r.value());
          }
        }
      }
      assertThat(got).containsExactly("before", "after");
    }
  }

  /**
   * Stopping the process that embeds the broker (quiver local's Ctrl-C) must not race a JVM
   * shutdown hook that deletes the broker's directories under it, and the broker giving up must not
   * end that process: under load, the test kit's hook deleted the log directory, the broker called
   * Kafka's halt procedure, and the JVM hung in RocksDB's exit handlers.
   */
  @Test
  void registersNoShutdownHookAndCannotHaltTheProcess() throws Exception {
    long hooksBefore = deleteHooks();
    java.nio.file.Path base;
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      assertThat(deleteHooks()).isEqualTo(hooksBefore);
      // the procedures Kafka's Exit.halt/exit call are the embedded ones, which throw (read from
      // Exit's fields and called directly: the test itself never asks to end its JVM)
      assertThat(installed("haltProcedure")).isNotSameAs(installed("DEFAULT_HALT_PROCEDURE"));
      assertThat(installed("exitProcedure")).isNotSameAs(installed("DEFAULT_EXIT_PROCEDURE"));
      assertThatThrownBy(() -> installed("haltProcedure").execute(1, "all log dirs failed"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("all log dirs failed");
      assertThatThrownBy(() -> installed("exitProcedure").execute(1, "fatal"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("fatal");
      base = kafka.baseDirectory();
      assertThat(base).isDirectory();
    }
    assertThat(base).as("close() deletes what the hook would have").doesNotExist();
  }

  /** The procedure Kafka's {@code Exit} holds in {@code field}. */
  private static org.apache.kafka.common.utils.Exit.Procedure installed(String field)
      throws Exception {
    var f = org.apache.kafka.common.utils.Exit.class.getDeclaredField(field);
    f.setAccessible(true);
    return (org.apache.kafka.common.utils.Exit.Procedure) f.get(null);
  }

  /** The JVM shutdown hooks Kafka's test utilities register to delete temporary directories. */
  @SuppressWarnings("unchecked")
  private static long deleteHooks() throws Exception {
    var hooks = Class.forName("java.lang.ApplicationShutdownHooks").getDeclaredField("hooks");
    hooks.setAccessible(true);
    synchronized (Class.forName("java.lang.ApplicationShutdownHooks")) {
      return ((Map<Thread, Thread>) hooks.get(null))
          .keySet().stream().filter(t -> t.getName().contains("delete-temp-file")).count();
    }
  }
}
