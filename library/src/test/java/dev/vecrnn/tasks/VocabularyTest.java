package dev.vecrnn.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VocabularyTest {

    @Test
    void indicesFollowCharacterOrder() {
        Vocabulary v = Vocabulary.of("hello, world\n");
        assertThat(v.characters()).isEqualTo("\n ,dehlorw");
        assertThat(v.size()).isEqualTo(10);
        for (int i = 0; i < v.size(); i++) {
            assertThat(v.indexOf(v.charAt(i))).isEqualTo(i);
        }
        assertThat(v.indexOf('z')).isEqualTo(-1);
        assertThat(v.indexOf('\u20ac')).isEqualTo(-1);
        assertThat(v.contains('w')).isTrue();
    }

    @Test
    void encodeAndDecodeRoundTrip() {
        Vocabulary v = Vocabulary.of("the quick brown fox");
        int[] codes = v.encode("fox the brown");
        assertThat(v.decode(codes, 0, codes.length)).isEqualTo("fox the brown");
        assertThat(v.decode(codes, 4, 3)).isEqualTo("the");
    }

    @Test
    void rejectsUnknownCharactersAndBadIndices() {
        Vocabulary v = Vocabulary.of("abc");
        assertThatThrownBy(() -> v.encode("abx")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'x' at position 2");
        assertThatThrownBy(() -> v.encode("a\tb")).hasMessageContaining("U+0009");
        assertThatThrownBy(() -> v.charAt(3)).hasMessageContaining("index must be in [0, 3), got 3");
        assertThatThrownBy(() -> v.decode(new int[] {0, 1}, 1, 2)).hasMessageContaining("outside");
        assertThatThrownBy(() -> Vocabulary.of("")).hasMessageContaining("non-empty");
    }
}
