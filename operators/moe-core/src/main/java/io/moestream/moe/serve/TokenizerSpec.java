package io.moestream.moe.serve;

import io.moestream.moe.data.ByteTokenizer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tokenizer of an exported model as {@code manifest.json} records it (format v2 on), so a tool
 * outside the JVM can turn text into the model's ids without reading this project's code. Every
 * number comes from {@link ByteTokenizer}, the one tokenizer the project has.
 *
 * @param type {@code byte-level}: a token is one byte of the text's encoding
 * @param textEncoding the encoding whose bytes are the tokens ({@code UTF-8})
 * @param byteIds ids {@code 0..byteIds-1} are the byte values themselves (id = unsigned byte)
 * @param vocabSize all ids: the byte values and the special ids
 * @param specialIds the special ids by name ({@code bos}, {@code eos}, {@code pad}); {@code decode}
 *     skips them
 * @param addsSpecialIds whether encoding a text adds special ids: {@code infer}, {@code produce}
 *     and the bundled corpus encode the bytes alone (a window cut from a long text carries no
 *     artificial boundary), so a consumer that reproduces their loss must not add BOS/EOS either
 */
public record TokenizerSpec(
    String type,
    String textEncoding,
    int byteIds,
    int vocabSize,
    Map<String, Integer> specialIds,
    boolean addsSpecialIds) {

  /** The value of {@link #type()} for {@link ByteTokenizer}. */
  public static final String BYTE_LEVEL = "byte-level";

  /** {@link ByteTokenizer} as the manifest records it. */
  public static TokenizerSpec byteLevel() {
    Map<String, Integer> special = new LinkedHashMap<>();
    special.put("bos", ByteTokenizer.BOS);
    special.put("eos", ByteTokenizer.EOS);
    special.put("pad", ByteTokenizer.PAD);
    return new TokenizerSpec(
        BYTE_LEVEL,
        "UTF-8",
        ByteTokenizer.BYTE_VALUES,
        ByteTokenizer.VOCAB_SIZE,
        java.util.Collections.unmodifiableMap(special),
        false);
  }
}
