package dev.quiver.jobs;

import org.apache.flink.util.SerializedThrowable;

/**
 * Recognises a job failure caused by a data directory the job cannot write (a full or read-only
 * disk, no permission, a file where a directory should be) and says what to do. Hadoop's and the
 * JDK's messages name the path (e.g. {@code ParentNotDirectoryException: Parent path is not a
 * directory: file:/.../warehouse/default/t/data}) but not that the job is waiting for it: the
 * commands that report a failed job ({@code quiver materialize}, {@code quiver local}) add this.
 */
public final class DataDirFailure {
  /** What to do, appended to the cause (its path comes with the cause). */
  public static final String FIX =
      "a data directory the job writes (offline.warehouse, online.embedded.path or"
          + " jobs.checkpoint-dir) is full, read-only, not writable or has a file in its path: free"
          + " space or fix the path named above; while its restarts last, the job goes on from its"
          + " last checkpoint once it can write";

  private DataDirFailure() {}

  /**
   * {@link #FIX} when {@code failure}'s chain holds such a cause (also under Flink's {@link
   * SerializedThrowable}), else null; null too when the chain already says what to do (the embedded
   * online store's own error names its option).
   */
  public static String fixFor(Throwable failure) {
    boolean dataDir = false;
    for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
      String type =
          t instanceof SerializedThrowable s
              ? s.getOriginalErrorClassName()
              : t.getClass().getName();
      String message = String.valueOf(t.getMessage());
      if (message.contains("set online.embedded.path")) {
        return null;
      }
      dataDir |=
          type.endsWith(".ParentNotDirectoryException")
              || type.endsWith(".NotDirectoryException")
              || type.endsWith(".AccessDeniedException")
              || message.contains("No space left on device")
              || message.contains("Read-only file system")
              || message.contains("Permission denied")
              || message.contains("Not a directory")
              || message.contains("Mkdirs failed to create");
    }
    return dataDir ? FIX : null;
  }
}
