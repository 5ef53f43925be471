package dev.quiver.jobs;

import dev.quiver.core.config.ConfigDocsCompletenessTest;
import org.junit.jupiter.api.Test;

class JobOptionsDocsTest {
  @Test
  void everyJobOptionIsDocumented() {
    ConfigDocsCompletenessTest.assertDocumented(JobOptions.all());
  }
}
