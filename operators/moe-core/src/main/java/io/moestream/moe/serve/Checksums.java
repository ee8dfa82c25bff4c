package io.moestream.moe.serve;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/** sha256 of the files of a snapshot directory, and their verification against a manifest. */
public final class Checksums {
  private Checksums() {}

  public static Manifest.FileSum of(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      long size = 0;
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
        size += n;
      }
      return new Manifest.FileSum(HexFormat.of().formatHex(md.digest()), size);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /**
   * Checks every file the manifest lists: present, of the listed size, with the listed sha256.
   *
   * @throws InvalidSnapshotException naming the first file that is missing, truncated, grown or
   *     changed
   */
  public static void verify(Path dir, Map<String, Manifest.FileSum> files) throws IOException {
    for (Map.Entry<String, Manifest.FileSum> f : files.entrySet()) {
      Path p = dir.resolve(f.getKey()).normalize();
      if (!p.startsWith(dir.normalize())) {
        throw new InvalidSnapshotException("manifest lists a file outside " + dir + ": " + p);
      }
      if (!Files.isRegularFile(p)) {
        throw new InvalidSnapshotException(f.getKey() + " is missing from " + dir);
      }
      Manifest.FileSum want = f.getValue();
      Manifest.FileSum got = of(p);
      if (got.bytes() < want.bytes()) {
        throw new InvalidSnapshotException(
            f.getKey() + " is truncated: " + got.bytes() + " of " + want.bytes() + " bytes");
      }
      if (got.bytes() != want.bytes() || !got.sha256().equals(want.sha256())) {
        throw new InvalidSnapshotException(
            f.getKey()
                + " does not match its checksum in "
                + Manifest.FILE
                + " (corrupted or modified): sha256 "
                + got.sha256()
                + ", expected "
                + want.sha256());
      }
    }
  }
}
