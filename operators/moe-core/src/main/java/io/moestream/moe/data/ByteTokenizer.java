package io.moestream.moe.data;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Byte-level tokenizer: a token is one byte of the text's UTF-8 encoding (ids 0..255), plus three
 * special ids ({@link #BOS}, {@link #EOS}, {@link #PAD}).
 *
 * <p>Why byte-level: a continual-learning stream may switch at any time to a language, script or
 * kind of text (source code, emoji) nobody planned for. With bytes every input is representable and
 * nothing is ever out of vocabulary, so a domain shift changes only the <em>distribution</em> of
 * tokens, which is exactly what the router and the experts should adapt to, never the vocabulary
 * itself (which would change the embedding shape mid-stream). There is also no vocabulary file to
 * train, version, ship or keep in sync with snapshots: the vocabulary is fixed at {@link
 * #VOCAB_SIZE} forever. The price is longer sequences (about one token per character for Latin
 * scripts, 2-4 for others), acceptable for a small model.
 *
 * <p>Instances hold no state, so they are immutable and thread-safe; one can be shared freely.
 */
public final class ByteTokenizer {
  /** Ids 0..BYTE_VALUES-1 are the byte values themselves (id = unsigned byte). */
  public static final int BYTE_VALUES = 256;

  /** Beginning of a document (the first id after the byte values). */
  public static final int BOS = BYTE_VALUES;

  /** End of a document. */
  public static final int EOS = 257;

  /** Padding; never produced by {@link #encode} and skipped by {@link #decode}. */
  public static final int PAD = 258;

  /** Number of ids: 256 byte values and the three specials. */
  public static final int VOCAB_SIZE = 259;

  /** Creates a tokenizer; all instances behave identically. */
  public ByteTokenizer() {}

  /**
   * Encodes text as the ids of its UTF-8 bytes (0..255), without special ids, so that windows cut
   * from a long text carry no artificial boundaries. Unpaired surrogates cannot be encoded in UTF-8
   * and become {@code '?'}, as {@link String#getBytes} does.
   *
   * @throws NullPointerException if {@code text} is null
   */
  public int[] encode(String text) {
    Objects.requireNonNull(text, "text");
    return encodeBytes(text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Turns raw bytes into ids (each byte, read unsigned, is its own id). Used for corpus files,
   * whose bytes are tokenised as they are, without a decode/encode round trip that could change
   * them.
   *
   * @throws NullPointerException if {@code bytes} is null
   */
  public int[] encodeBytes(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    int[] ids = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      ids[i] = bytes[i] & 0xFF;
    }
    return ids;
  }

  /**
   * Encodes one whole document framed as {@code BOS, bytes..., EOS}, so the model can learn where
   * documents start and end when several are packed into one stream.
   *
   * @throws NullPointerException if {@code text} is null
   */
  public int[] encodeDocument(String text) {
    int[] body = encode(text);
    int[] ids = new int[body.length + 2];
    ids[0] = BOS;
    System.arraycopy(body, 0, ids, 1, body.length);
    ids[ids.length - 1] = EOS;
    return ids;
  }

  /**
   * Decodes ids back to text. Special ids are skipped. Byte sequences that are not valid UTF-8
   * (which a sampling model can produce, e.g. half of a multi-byte character) become U+FFFD
   * replacement characters: decoding never fails on model output.
   *
   * @throws NullPointerException if {@code ids} is null
   * @throws IllegalArgumentException if an id is outside {@code [0, VOCAB_SIZE)}, which is a bug in
   *     the caller, not a property of the text
   */
  public String decode(int[] ids) {
    Objects.requireNonNull(ids, "ids");
    byte[] bytes = new byte[ids.length];
    int n = 0;
    for (int i = 0; i < ids.length; i++) {
      int id = ids[i];
      if (!isValid(id)) {
        throw new IllegalArgumentException(
            "token id " + id + " at position " + i + " is outside [0, " + VOCAB_SIZE + ")");
      }
      if (id < 256) {
        bytes[n++] = (byte) id;
      }
    }
    // The String constructor replaces malformed input with U+FFFD; it never throws.
    return new String(bytes, 0, n, StandardCharsets.UTF_8);
  }

  /** Whether {@code id} belongs to the vocabulary, i.e. lies in {@code [0, VOCAB_SIZE)}. */
  public static boolean isValid(int id) {
    return id >= 0 && id < VOCAB_SIZE;
  }

  /** Whether {@code id} is one of {@link #BOS}, {@link #EOS}, {@link #PAD}. */
  public static boolean isSpecial(int id) {
    return id >= BOS && id < VOCAB_SIZE;
  }
}
