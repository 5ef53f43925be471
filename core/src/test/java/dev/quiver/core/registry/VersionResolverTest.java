package dev.quiver.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.quiver.core.registry.RegistryException.Kind;
import dev.quiver.core.registry.store.VersionInfo;
import dev.quiver.core.spec.Version;
import dev.quiver.core.spec.ViewStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class VersionResolverTest {
  private static final Instant SUNSET = Instant.parse("2026-12-31T00:00:00Z");

  private static VersionInfo v(int major, int rev, ViewStatus s) {
    return new VersionInfo(
        major + "." + rev,
        new Version(major, rev),
        s,
        s == ViewStatus.DEPRECATED ? SUNSET : null,
        "c",
        Instant.EPOCH,
        "t");
  }

  private final List<VersionInfo> versions =
      List.of(
          v(1, 0, ViewStatus.RETIRED),
          v(2, 0, ViewStatus.DEPRECATED),
          v(2, 1, ViewStatus.DEPRECATED),
          v(3, 0, ViewStatus.ACTIVE),
          v(3, 1, ViewStatus.ACTIVE),
          v(4, 0, ViewStatus.DRAFT));

  @Test
  void latestIsTheNewestActiveNotTheNewestDraft() {
    assertThat(VersionResolver.resolve("uam", versions, null).id()).isEqualTo("3.1");
    assertThat(VersionResolver.resolve("uam", versions, " LATEST ").id()).isEqualTo("3.1");
    assertThat(VersionResolver.resolve("uam", versions, "").id()).isEqualTo("3.1");
  }

  @Test
  void majorRefIsItsNewestRevisionExactRefIsExact() {
    assertThat(VersionResolver.resolve("uam", versions, "v2").id()).isEqualTo("2.1");
    assertThat(VersionResolver.resolve("uam", versions, "2").id()).isEqualTo("2.1");
    assertThat(VersionResolver.resolve("uam", versions, "v2.0").id()).isEqualTo("2.0");
    assertThat(VersionResolver.resolve("uam", versions, "v4").id()).isEqualTo("4.0");
  }

  @Test
  void retiredIsGoneAndMissingListsWhatExists() {
    RegistryException gone =
        catchThrowableOfType(
            RegistryException.class, () -> VersionResolver.resolve("uam", versions, "v1"));
    assertThat(gone.kind()).isEqualTo(Kind.GONE);
    assertThat(gone.getMessage()).isEqualTo("uam:v1 is RETIRED; move to uam:v3.1");
    RegistryException missing =
        catchThrowableOfType(
            RegistryException.class, () -> VersionResolver.resolve("uam", versions, "v3.4"));
    assertThat(missing.kind()).isEqualTo(Kind.NOT_FOUND);
    assertThat(missing.getMessage())
        .isEqualTo(
            "uam:v3.4 does not exist (versions: v1 RETIRED, v2 DEPRECATED, v2.1 DEPRECATED,"
                + " v3 ACTIVE, v3.1 ACTIVE, v4 DRAFT)");
  }

  @Test
  void warningsNameTheSunsetAndTheSuccessor() {
    assertThat(VersionResolver.warnings("uam", versions.get(2), versions))
        .containsExactly("uam:v2 is DEPRECATED, sunset 2026-12-31; move to v3");
    assertThat(VersionResolver.warnings("uam", versions.get(5), versions))
        .singleElement()
        .asString()
        .startsWith("uam:v4 is DRAFT");
    assertThat(VersionResolver.warnings("uam", versions.get(3), versions)).isEmpty();
  }
}
