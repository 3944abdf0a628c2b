package dev.vecrnn.tasks;

import java.util.Arrays;

/**
 * The characters of a text, numbered {@code 0 .. size-1} in increasing code order: the classes
 * of a character model. Maps characters (UTF-16 code units) to indices and back, so samples drawn
 * as indices turn into text. Immutable.
 */
public final class Vocabulary {
    private final char[] chars;      // index -> character, ascending
    private final int[] indexOf;     // character -> index, -1 if absent; length max char + 1

    private Vocabulary(char[] sortedDistinct) {
        this.chars = sortedDistinct;
        int max = sortedDistinct.length == 0 ? -1 : sortedDistinct[sortedDistinct.length - 1];
        this.indexOf = new int[max + 1];
        Arrays.fill(indexOf, -1);
        for (int i = 0; i < sortedDistinct.length; i++) {
            indexOf[sortedDistinct[i]] = i;
        }
    }

    /** The distinct characters of {@code text}, in increasing order; {@code text} must be non-empty. */
    public static Vocabulary of(CharSequence text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("text must be non-empty to build a vocabulary");
        }
        boolean[] seen = new boolean[Character.MAX_VALUE + 1];
        int count = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!seen[c]) {
                seen[c] = true;
                count++;
            }
        }
        char[] distinct = new char[count];
        int n = 0;
        for (int c = 0; c <= Character.MAX_VALUE; c++) {
            if (seen[c]) {
                distinct[n++] = (char) c;
            }
        }
        return new Vocabulary(distinct);
    }

    /** Number of characters (classes). */
    public int size() {
        return chars.length;
    }

    /** The character with index {@code index}. */
    public char charAt(int index) {
        if (index < 0 || index >= chars.length) {
            throw new IllegalArgumentException("index must be in [0, " + chars.length + "), got " + index);
        }
        return chars[index];
    }

    /** The index of {@code c}, or -1 if it is not in the vocabulary. */
    public int indexOf(char c) {
        return c < indexOf.length ? indexOf[c] : -1;
    }

    /** Whether {@code c} has a class index. */
    public boolean contains(char c) {
        return indexOf(c) >= 0;
    }

    /** Indices of every character of {@code text}; throws naming the first one not in the vocabulary. */
    public int[] encode(CharSequence text) {
        int[] codes = new int[text.length()];
        for (int i = 0; i < codes.length; i++) {
            char c = text.charAt(i);
            int code = indexOf(c);
            if (code < 0) {
                throw new IllegalArgumentException("character " + describe(c) + " at position " + i
                        + " is not in the vocabulary");
            }
            codes[i] = code;
        }
        return codes;
    }

    /** The text of {@code length} indices starting at {@code codes[offset]}. */
    public String decode(int[] codes, int offset, int length) {
        if (offset < 0 || length < 0 || (long) offset + length > codes.length) {
            throw new IllegalArgumentException("range [" + offset + ", " + ((long) offset + length)
                    + ") is outside codes of length " + codes.length);
        }
        StringBuilder sb = new StringBuilder(length);
        for (int i = offset; i < offset + length; i++) {
            sb.append(charAt(codes[i]));
        }
        return sb.toString();
    }

    /** Every character in index order. */
    public String characters() {
        return new String(chars);
    }

    /** A readable form of a character for messages and reports, e.g. {@code 'a'} or {@code U+000A}. */
    public static String describe(char c) {
        return c >= 0x21 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }

    @Override
    public String toString() {
        return "Vocabulary[" + chars.length + " characters]";
    }
}
