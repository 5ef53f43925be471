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
