package dev.quiver.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

/**
 * Dedup and entity keys compare contents (session 12 QA pass: a BYTES or ARRAY dedup key, and a
 * BYTES join key, were keyed by the Java array's identity, so repeats were never dropped).
 */
class DeduplicatorTest {
  @Test
  void aBytesJoinKeyKeysEqualContentsTogether() throws Exception {
    var key = Deduplicator.entityKey(new int[] {0});
    assertThat(key.getKey(Row.of(new byte[] {1, 2, 3}, "x")))
        .isEqualTo(key.getKey(Row.of(new byte[] {1, 2, 3}, "y")))
        .isNotEqualTo(key.getKey(Row.of(new byte[] {1, 2, 4}, "x")));
    var composite = Deduplicator.entityKey(new int[] {0, 1});
    assertThat(composite.getKey(Row.of(new byte[] {1}, "a")))
        .isEqualTo(composite.getKey(Row.of(new byte[] {1}, "a")))
        .isNotEqualTo(composite.getKey(Row.of(new byte[] {1}, "b")));
  }

  @Test
  void arrayAndBytesDedupKeysMatchTheirRepeats() {
    assertThat(Deduplicator.keyText(new String[] {"a", "b"}))
        .isEqualTo(Deduplicator.keyText(new String[] {"a", "b"}))
        .isNotEqualTo(Deduplicator.keyText(new String[] {"a", "b", null}))
        .isNotEqualTo(Deduplicator.keyText(new String[] {"ab"}));
    assertThat(Deduplicator.keyText(new byte[][] {{1}, {2}}))
        .isEqualTo(Deduplicator.keyText(new byte[][] {{1}, {2}}));
    assertThat(Deduplicator.keyText(new byte[] {7}))
        .isEqualTo(Deduplicator.keyText(new byte[] {7}));
    // scalars keep their text (the keys in existing checkpoints)
    assertThat(Deduplicator.keyText("t1")).isEqualTo("t1");
    assertThat(Deduplicator.keyText(42L)).isEqualTo("42");
  }

  /**
   * Composite entity keys and array keys are unambiguous: before, components were joined with a
   * bare \u0000 (and array elements with \u0001), so a value holding the separator made two
   * different keys one, sharing dedup state.
   */
  @Test
  void aSeparatorInsideAValueNeverMakesTwoKeysOne() throws Exception {
    var composite = Deduplicator.entityKey(new int[] {0, 1});
    assertThat(composite.getKey(Row.of("a\u0000", "b")))
        .isNotEqualTo(composite.getKey(Row.of("a", "\u0000b")));
    assertThat(composite.getKey(Row.of("a\u0001", "\u0000")))
        .isNotEqualTo(composite.getKey(Row.of("a", "\u0001\u0000")));
    assertThat(Deduplicator.keyText(new String[] {"a\u0001b"}))
        .isNotEqualTo(Deduplicator.keyText(new String[] {"a", "b"}));
    assertThat(Deduplicator.keyText(new String[] {"\u0002"}))
        .isNotEqualTo(Deduplicator.keyText(new String[] {null}));
    assertThat(Deduplicator.keyText(new Object[] {new String[] {"a"}}))
        .isNotEqualTo(Deduplicator.keyText(new String[] {"[a]"}));
    // keys without those characters keep their text (and their state in existing checkpoints)
    assertThat(composite.getKey(Row.of("u1", 42L))).isEqualTo("u1\u000042\u0000");
    assertThat(Deduplicator.keyText(new String[] {"a", null})).isEqualTo("[a\u0001\u0002]");
  }
}
