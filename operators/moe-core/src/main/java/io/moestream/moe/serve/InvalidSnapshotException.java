package io.moestream.moe.serve;

/**
 * An exported snapshot that cannot be loaded: a missing, truncated or corrupted file, a checksum
 * that does not match, or tensors that do not fit the manifest's model. The message names the file
 * and says what is wrong, so a command line can print it as the one line a user reads.
 */
public final class InvalidSnapshotException extends IllegalArgumentException {
  public InvalidSnapshotException(String message) {
    super(message);
  }

  public InvalidSnapshotException(String message, Throwable cause) {
    super(message, cause);
  }
}
