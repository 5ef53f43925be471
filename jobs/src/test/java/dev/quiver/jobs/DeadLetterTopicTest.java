package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.Source;
import dev.quiver.jobs.testing.Transactions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The dead-letter topic is never the source's own topic: the job would read each dead letter again,
 * reject it again and write it again, without end (session 20 QA pass: an empty {@code
 * jobs.dlq.topic-suffix}, or a {@code dead_letter_topic} equal to the topic in a spec applied
 * before the validator refused it, were accepted).
 */
class DeadLetterTopicTest {
  private static Source withOptions(Map<String, String> extra) {
    Source s = Transactions.source("txns");
    Map<String, String> options = new HashMap<>(s.options());
    options.putAll(extra);
    return new Source(
        s.namespace(),
        s.name(),
        s.kind(),
        s.schema(),
        s.eventTimeField(),
        s.dedupKey(),
        s.watermarkDelay(),
        options);
  }

  @Test
  void theDefaultAndAnOptionNameAnotherTopic() {
    assertThat(StreamingPipeline.deadLetterTopic(withOptions(Map.of()), QuiverConfig.empty()))
        .isEqualTo("txns.dlq");
    assertThat(
            StreamingPipeline.deadLetterTopic(
                withOptions(Map.of()), QuiverConfig.of(Map.of("jobs.dlq.topic-suffix", "-bad"))))
        .isEqualTo("txns-bad");
    assertThat(
            StreamingPipeline.deadLetterTopic(
                withOptions(Map.of("dead_letter_topic", "rejected")), QuiverConfig.empty()))
        .isEqualTo("rejected");
  }

  @Test
  void theSourceTopicItselfIsRefusedNamingTheSetting() {
    assertThatThrownBy(
            () ->
                StreamingPipeline.deadLetterTopic(
                    withOptions(Map.of()), QuiverConfig.of(Map.of("jobs.dlq.topic-suffix", ""))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "jobs.dlq.topic-suffix: '' makes the dead-letter topic of source transactions its own"
                + " topic 'txns': every dead letter would be read again, rejected again and"
                + " written again, without end; set a suffix (the default is .dlq) or the"
                + " source's dead_letter_topic option");
    assertThatThrownBy(
            () ->
                StreamingPipeline.deadLetterTopic(
                    withOptions(Map.of("dead_letter_topic", "txns")), QuiverConfig.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "sources.transactions.options.dead_letter_topic: 'txns' is the source's own topic:"
                + " every dead letter would be read again, rejected again and written again,"
                + " without end; name another topic, e.g. txns.dlq");
  }

  @Test
  void aSuffixThatMakesAnIllegalTopicNameIsRefused() {
    assertThatThrownBy(
            () ->
                StreamingPipeline.deadLetterTopic(
                    withOptions(Map.of()),
                    QuiverConfig.of(Map.of("jobs.dlq.topic-suffix", "/dlq"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "jobs.dlq.topic-suffix: '/dlq' makes the dead-letter topic of source transactions"
                + " 'txns/dlq', which is not a legal Kafka topic name (")
        .hasMessageEndingWith("); use letters, digits, '.', '_' and '-' only");
  }

  /** The spec validator's topic-name rule (core has no Kafka client) is Kafka's own. */
  @Test
  void theSpecRuleForTopicNamesIsKafkasRule() {
    for (String name :
        List.of(
            "txns",
            "a.b_c-D9",
            "my dlq",
            "a/b",
            "é",
            ".",
            "..",
            "...",
            "t".repeat(249),
            "t".repeat(250),
            "tab\there",
            "colon:x")) {
      boolean kafka;
      try {
        org.apache.kafka.common.internals.Topic.validate(name);
        kafka = true;
      } catch (org.apache.kafka.common.errors.InvalidTopicException e) {
        kafka = false;
      }
      Source s = withOptions(Map.of("topic", name));
      boolean spec =
          dev.quiver.core.spec.SpecValidator.validate(s).stream()
              .noneMatch(p -> p.path().equals("options.topic"));
      assertThat(spec).as(name).isEqualTo(kafka);
    }
  }
}
