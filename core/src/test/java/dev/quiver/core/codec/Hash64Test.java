package dev.quiver.core.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * FNV-1a against the published 64-bit test vectors (tile bundles persist these hashes, so they must
 * never change), and the finalizer against values computed separately from murmur3's definition.
 */
class Hash64Test {
  private static long fnv(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return Hash64.fnv1a(b, 0, b.length);
  }

  @Test
  void fnv1aMatchesThePublishedVectors() {
    assertThat(fnv("")).isEqualTo(0xcbf29ce484222325L);
    assertThat(fnv("a")).isEqualTo(0xaf63dc4c8601ec8cL);
    assertThat(fnv("foobar")).isEqualTo(0x85944171f73967e8L);
    byte[] framed = "xxfoobaryy".getBytes(StandardCharsets.UTF_8);
    assertThat(Hash64.fnv1a(framed, 2, 8)).isEqualTo(fnv("foobar"));
    // bytes are unsigned: a non-ASCII byte is XORed as 0..255
    assertThat(Hash64.fnv1a(new byte[] {(byte) 0xE9}, 0, 1))
        .isEqualTo((0xcbf29ce484222325L ^ 0xE9L) * 0x100000001b3L);
  }

  @Test
  void fmix64IsMurmur3sFinalizer() {
    // expected values computed separately (Python, 64-bit wrap-around arithmetic)
    assertThat(Hash64.fmix64(0)).isZero();
    assertThat(Hash64.fmix64(1L)).isEqualTo(0xb456bcfc34c2cb2cL);
    assertThat(Hash64.fmix64(0x85944171f73967e8L)).isEqualTo(0x2c22194922d1672bL);
  }
}
