package io.moestream.moe.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ByteTokenizerTest {
  private final ByteTokenizer tok = new ByteTokenizer();

  @Test
  void constantsDescribeTheVocabulary() {
    assertThat(ByteTokenizer.BOS).isEqualTo(256);
    assertThat(ByteTokenizer.EOS).isEqualTo(257);
    assertThat(ByteTokenizer.PAD).isEqualTo(258);
    assertThat(ByteTokenizer.VOCAB_SIZE).isEqualTo(259);
  }

  @Test
  void roundTripsEnglish() {
    String s = "The quick brown fox jumps over the lazy dog.\n";
    int[] ids = tok.encode(s);
    assertThat(ids).hasSize(s.length()).startsWith('T', 'h', 'e');
    assertThat(tok.decode(ids)).isEqualTo(s);
  }

  @Test
  void roundTripsGermanWithUmlautsAsTwoBytesEach() {
    String s = "Grüße aus Köln: Übermäßig süße Äpfel.";
    int[] ids = tok.encode(s);
    assertThat(ids).hasSize(s.getBytes(StandardCharsets.UTF_8).length);
    assertThat(ids.length).isEqualTo(s.length() + 9); // ü ß ö Ü ä ß ü ß Ä take 2 bytes each
    assertThat(tok.decode(ids)).isEqualTo(s);
  }

  @Test
  void roundTripsEmojiAndOtherScripts() {
    String s = "ok 👍🏽 🇩🇪 日本語 Ελληνικά";
    int[] ids = tok.encode(s);
    assertThat(IntStream.of(ids).boxed()).allSatisfy(id -> assertThat(id).isBetween(0, 255));
    assertThat(tok.decode(ids)).isEqualTo(s);
  }

  @Test
  void roundTripsCode() {
    String s = "for (int i = 0; i < n; i++) {\n\tsum += a[i] * b[i]; // dot\n}\r\n";
    assertThat(tok.decode(tok.encode(s))).isEqualTo(s);
  }

  @Test
  void emptyTextEncodesToNothing() {
    assertThat(tok.encode("")).isEmpty();
    assertThat(tok.decode(new int[0])).isEmpty();
  }

  @Test
  void encodeDocumentFramesWithBosAndEos() {
    int[] doc = tok.encodeDocument("hé");
    assertThat(doc).containsExactly(ByteTokenizer.BOS, 'h', 0xC3, 0xA9, ByteTokenizer.EOS);
    assertThat(tok.encodeDocument("")).containsExactly(ByteTokenizer.BOS, ByteTokenizer.EOS);
    assertThat(tok.decode(doc)).isEqualTo("hé");
  }

  @Test
  void decodeSkipsSpecials() {
    int[] ids = {
      ByteTokenizer.BOS, 'a', ByteTokenizer.PAD, 'b', ByteTokenizer.EOS, ByteTokenizer.PAD
    };
    assertThat(tok.decode(ids)).isEqualTo("ab");
  }

  @Test
  void decodeReplacesInvalidUtf8InsteadOfThrowing() {
    // Half of "ü" (0xC3 0xBC), a lone continuation byte, and an invalid lead byte.
    assertThat(tok.decode(new int[] {'a', 0xC3})).isEqualTo("a\uFFFD");
    assertThat(tok.decode(new int[] {0xBC, 'b'})).isEqualTo("\uFFFDb");
    assertThat(tok.decode(new int[] {0xFF, 0xFE})).isEqualTo("\uFFFD\uFFFD");
  }

  @Test
  void decodeRejectsIdsOutsideTheVocabulary() {
    assertThatThrownBy(() -> tok.decode(new int[] {'a', 259}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("259");
    assertThatThrownBy(() -> tok.decode(new int[] {-1}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void isValidAcceptsExactlyTheVocabulary() {
    assertThat(ByteTokenizer.isValid(0)).isTrue();
    assertThat(ByteTokenizer.isValid(255)).isTrue();
    assertThat(ByteTokenizer.isValid(ByteTokenizer.BOS)).isTrue();
    assertThat(ByteTokenizer.isValid(ByteTokenizer.PAD)).isTrue();
    assertThat(ByteTokenizer.isValid(-1)).isFalse();
    assertThat(ByteTokenizer.isValid(ByteTokenizer.VOCAB_SIZE)).isFalse();
    assertThat(ByteTokenizer.isValid(Integer.MAX_VALUE)).isFalse();
    assertThat(ByteTokenizer.isValid(Integer.MIN_VALUE)).isFalse();
  }

  @Test
  void isSpecialMarksOnlyTheThreeSpecials() {
    assertThat(ByteTokenizer.isSpecial(255)).isFalse();
    assertThat(ByteTokenizer.isSpecial(ByteTokenizer.BOS)).isTrue();
    assertThat(ByteTokenizer.isSpecial(ByteTokenizer.EOS)).isTrue();
    assertThat(ByteTokenizer.isSpecial(ByteTokenizer.PAD)).isTrue();
    assertThat(ByteTokenizer.isSpecial(ByteTokenizer.VOCAB_SIZE)).isFalse();
  }

  @Test
  void encodeBytesReadsBytesUnsigned() {
    assertThat(tok.encodeBytes(new byte[] {0, 127, (byte) 0x80, (byte) 0xFF}))
        .containsExactly(0, 127, 128, 255);
  }
}
