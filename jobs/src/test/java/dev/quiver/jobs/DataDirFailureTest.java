package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.apache.flink.util.SerializedThrowable;
import org.apache.hadoop.fs.ParentNotDirectoryException;
import org.junit.jupiter.api.Test;

class DataDirFailureTest {
  @Test
  void recognisesUnwritableDataDirectoriesAlsoUnderFlinksWrappers() {
    Throwable blocked =
        new RuntimeException(
            "Could not forward element",
            new ParentNotDirectoryException("Parent path is not a directory: file:/w/t/data"));
    assertThat(DataDirFailure.fixFor(blocked)).isEqualTo(DataDirFailure.FIX);
    // a failure as a job client sees it: serialized, the original class only by name
    assertThat(DataDirFailure.fixFor(new SerializedThrowable(blocked)))
        .isEqualTo(DataDirFailure.FIX);
    assertThat(
            DataDirFailure.fixFor(
                new IOException(
                    "java.io.IOException: No space left on device: While appending to file:"
                        + " /var/lib/quiver/online/000012.log")))
        .isEqualTo(DataDirFailure.FIX);
    assertThat(DataDirFailure.fixFor(new IOException("/w: Read-only file system")))
        .isEqualTo(DataDirFailure.FIX);
  }

  @Test
  void saysNothingOfOtherFailuresOrOfOnesThatNameTheirFix() {
    assertThat(DataDirFailure.fixFor(new IllegalStateException("Topic t.dlq not present")))
        .isNull();
    assertThat(
            DataDirFailure.fixFor(
                new IllegalStateException(
                    "cannot open the embedded online store at /o: /o is a file, not a directory"
                        + " (FileAlreadyExistsException); set online.embedded.path ...",
                    new java.nio.file.FileAlreadyExistsException("/o"))))
        .isNull();
  }
}
