package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.kafka.EmbeddedKafka;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link StreamingPipeline#checkKafka} against a real (embedded KRaft) broker and against none. */
class KafkaCheckITCase {
  @Test
  void aReachableBrokerPassesAMissingTopicWarnsNoBrokerFails() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      kafka.createTopic("checked", 1);
      QuiverConfig config =
          QuiverConfig.of(Map.of("kafka.bootstrap-servers", kafka.bootstrapServers()));
      assertThat(
              StreamingPipeline.checkKafka(
                  Transactions.view("checked", true, false), config, Duration.ofSeconds(10)))
          .isNull();
      assertThat(
              StreamingPipeline.checkKafka(
                  Transactions.view("not_yet", true, false), config, Duration.ofSeconds(10)))
          .isEqualTo(
              "topic 'not_yet' does not exist yet at "
                  + kafka.bootstrapServers()
                  + "; the job waits for it");
    }
    QuiverConfig nowhere = QuiverConfig.of(Map.of("kafka.bootstrap-servers", "127.0.0.1:1"));
    assertThatThrownBy(
            () ->
                StreamingPipeline.checkKafka(
                    Transactions.view("checked", true, false), nowhere, Duration.ofSeconds(3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "kafka.bootstrap-servers: no Kafka broker answered at 127.0.0.1:1 within 3 s");
  }

  /**
   * On a broker that does not create topics, a missing dead-letter topic is refused before the job
   * starts (before: no warning, and the job failed at the first checkpoint after its first dead
   * letter, on every restart, until its restarts ran out, with "Topic txn.dlq not present in
   * metadata after 60000 ms"; nothing reached Iceberg meanwhile).
   */
  @Test
  void aMissingDeadLetterTopicOnABrokerThatDoesNotCreateTopicsIsRefused() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(Map.of("auto.create.topics.enable", "false"))) {
      kafka.createTopic("txn", 1);
      QuiverConfig config =
          QuiverConfig.of(Map.of("kafka.bootstrap-servers", kafka.bootstrapServers()));
      assertThatThrownBy(
              () ->
                  StreamingPipeline.checkKafka(
                      Transactions.view("txn", true, false), config, Duration.ofSeconds(10)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "dead-letter topic 'txn.dlq' does not exist at "
                  + kafka.bootstrapServers()
                  + " (source transactions) and the broker does not create topics"
                  + " (auto.create.topics.enable=false): the job would fail at its first dead"
                  + " letter, on every restart; create it (kafka-topics.sh --create --topic"
                  + " txn.dlq), or name an existing one in the source's dead_letter_topic option");
      kafka.createTopic("txn.dlq", 1);
      assertThat(
              StreamingPipeline.checkKafka(
                  Transactions.view("txn", true, false), config, Duration.ofSeconds(10)))
          .isNull();
    }
  }

  @Test
  void anEmptyBootstrapIsAConfigurationErrorNamingTheKey() {
    // --set kafka.bootstrap-servers= was a raw KafkaException ("No resolvable bootstrap urls")
    QuiverConfig empty = QuiverConfig.of(Map.of("kafka.bootstrap-servers", ""));
    assertThatThrownBy(
            () ->
                StreamingPipeline.checkKafka(
                    Transactions.view("checked", true, false), empty, Duration.ofSeconds(3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("kafka.bootstrap-servers is empty (source ")
        .hasMessageContaining("--set kafka.bootstrap-servers=127.0.0.1:9092");
  }
}
