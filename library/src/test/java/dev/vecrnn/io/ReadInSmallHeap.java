package dev.vecrnn.io;

import java.nio.file.Path;

/**
 * Reads a safetensors file in a JVM of its own (the test gives it a small {@code -Xmx}) and says
 * how it went: {@code read N} or {@code refused: <message>}; an {@link OutOfMemoryError} ends the
 * JVM with a non-zero status.
 */
public final class ReadInSmallHeap {
    private ReadInSmallHeap() {}

    public static void main(String[] args) throws Exception {
        try {
            System.out.println("read " + SafeTensors.read(Path.of(args[0])).size());
        } catch (TensorFileException e) {
            System.out.println("refused: " + e.getMessage());
        }
    }
}
