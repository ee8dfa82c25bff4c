package io.moestream.operators;

import java.io.Serializable;

/**
 * {@code --init-from}: new models start upcycled from the exported model in {@code dir} instead of
 * from the seed. A path, not the weights: the job graph stays small whatever the model's size, and
 * every TaskManager reads the directory itself (so under {@code flink run} it must be readable at
 * this path on each of them, as checkpoint directories are). Pinned by the sha256 of its weights as
 * the client read them: a model first built after a restart is upcycled from exactly the same
 * weights, or the job fails saying the export changed — never from other weights silently.
 *
 * @param dir the exported model's directory, absolute
 * @param weightsSha256 sha256 of its {@code model.safetensors} when the job was built
 * @param origin what the source is, for the log line of each model built from it
 */
public record InitFrom(String dir, String weightsSha256, String origin) implements Serializable {
  public InitFrom {
    if (dir == null || weightsSha256 == null) {
      throw new IllegalArgumentException("--init-from needs a directory and its weights' sha256");
    }
  }
}
