package dev.vecrnn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutates valid files at random (fixed seed) and checks that every outcome is a successful read
 * of a self-consistent result or a {@link TensorFileException}: no other exception, no runaway
 * allocation, no hang.
 */
class SafeTensorsFuzzTest {
    private static final int ITERATIONS = 4000;
    /** Characters that make JSON mutations land on meaningful tokens rather than just breaking UTF-8. */
    private static final byte[] JSON_CHARS = "{}[]\":,0123456789-+.eE tfnulFIB_\\".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private static byte[] writerFile(Path dir) throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("weight_ih_l0", Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4));
        t.put("bias", Tensor.of(new float[] {0.5f, -0.5f}, 2));
        t.put("scalar", Tensor.of(new float[] {9}));
        t.put("empty", Tensor.of(new float[0], 0, 3));
        t.put("lengths", Tensor.ofLongs(new long[] {3, 1}, 2));
        t.put("ids", Tensor.ofInts(new int[] {4, 5, 6}, 3));
        Path f = dir.resolve("seed.safetensors");
        Map<String, String> meta = new LinkedHashMap<>(); // fixed order: Map.of's varies between runs
        meta.put("format", "pt");
        meta.put("step", "12");
        SafeTensors.write(f, t, meta);
        return Files.readAllBytes(f);
    }

    private static byte[] handFile() {
        String header = "{\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[16,24]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[24,30]}}";
        byte[] h = header.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 32).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        b.putDouble(1.5).putDouble(-0.25);
        b.putShort((short) 0x3c00).putShort((short) 0xc000).putShort((short) 0x7bff).putShort((short) 0x0001);
        b.putShort((short) 0x3f80).putShort((short) 0xc040).putShort((short) 0x4049).putShort((short) 0);
        return b.array();
    }

    private static byte[] mutate(byte[] seed, Random rnd) {
        byte[] b = seed.clone();
        int headerEnd = (int) Math.min(b.length, 8 + ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0));
        int rounds = 1 + rnd.nextInt(3);
        for (int r = 0; r < rounds; r++) {
            switch (rnd.nextInt(8)) {
                case 0 -> b = Arrays.copyOf(b, rnd.nextInt(b.length + 1)); // truncate
                case 1 -> { // flip a bit anywhere in length + header
                    if (headerEnd > 0 && b.length > 0) {
                        int i = rnd.nextInt(Math.min(headerEnd, b.length));
                        b[i] ^= (byte) (1 << rnd.nextInt(8));
                    }
                }
                case 2, 3 -> { // overwrite a header byte with a JSON-ish character
                    if (headerEnd > 8 && b.length > 8) {
                        int i = 8 + rnd.nextInt(Math.min(headerEnd, b.length) - 8);
                        b[i] = JSON_CHARS[rnd.nextInt(JSON_CHARS.length)];
                    }
                }
                case 4 -> { // random or near-correct header length
                    long n = switch (rnd.nextInt(3)) {
                        case 0 -> rnd.nextLong();
                        case 1 -> headerEnd - 8 + rnd.nextInt(17) - 8;
                        default -> rnd.nextInt(1 << 20);
                    };
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
                }
                case 5 -> { // make a digit run longer, e.g. an offset or dimension becomes huge
                    if (headerEnd > 8 && b.length > 8) {
                        int i = 8 + rnd.nextInt(Math.min(headerEnd, b.length) - 8);
                        if (Character.isDigit(b[i])) {
                            byte[] more = new byte[1 + rnd.nextInt(12)];
                            Arrays.fill(more, (byte) ('1' + rnd.nextInt(9)));
                            b = splice(b, i, more, headerEnd);
                        }
                    }
                }
                case 6 -> { // append or remove trailing data
                    b = Arrays.copyOf(b, Math.max(0, b.length + rnd.nextInt(33) - 16));
                }
                default -> { // random byte anywhere
                    if (b.length > 0) {
                        b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                    }
                }
            }
            if (b.length < 8) {
                break;
            }
        }
        return b;
    }

    /** Inserts {@code more} at {@code at} inside the header and keeps the length field consistent. */
    private static byte[] splice(byte[] b, int at, byte[] more, int headerEnd) {
        byte[] out = new byte[b.length + more.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(more, 0, out, at, more.length);
        System.arraycopy(b, at, out, at + more.length, b.length - at);
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, headerEnd - 8 + more.length);
        return out;
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS) // a hang guard, not a speed requirement
    void mutatedFilesEitherReadConsistentlyOrFailWithTheDocumentedException() throws IOException {
        List<byte[]> seeds = List.of(writerFile(dir), handFile());
        Random rnd = new Random(20240607);
        Path f = dir.resolve("fuzz.safetensors");
        int ok = 0;
        Set<String> problems = new HashSet<>();
        try (FileChannel writer = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int it = 0; it < ITERATIONS; it++) {
                byte[] content = mutate(seeds.get(it % seeds.size()), rnd);
                // One open channel rewritten in place: opening and truncating a file per iteration
                // would cost far more than the read under test.
                writer.write(ByteBuffer.wrap(content), 0);
                writer.truncate(content.length);
                try {
                    Map<String, Tensor> tensors = SafeTensors.read(f);
                    long bytes = 0;
                    for (Tensor t : tensors.values()) {
                        long n = 1;
                        for (int d : t.shape()) {
                            n *= d;
                        }
                        assertThat(t.numel()).isEqualTo(n);
                        bytes += t.numel();
                    }
                    // Every element came from the file, so there cannot be more than it has bytes.
                    assertThat(bytes).isLessThanOrEqualTo(content.length);
                    SafeTensors.readMetadata(f);
                    ok++;
                } catch (TensorFileException e) {
                    assertThat(e.getMessage()).startsWith(f + ": ");
                    assertThat(e.file()).isEqualTo(f);
                    problems.add(problemKind(e.getMessage().substring(f.toString().length() + 2)));
                } catch (Throwable t) {
                    fail("iteration " + it + ": unexpected " + t + " for file " + HexFormat.of().formatHex(
                            content, 0, Math.min(content.length, 400)), t);
                }
            }
        }
        // The fuzzer must exercise both outcomes and many different checks, or it proves little.
        assertThat(ok).isGreaterThan(ITERATIONS / 50);
        assertThat(ITERATIONS - ok).isGreaterThan(ITERATIONS / 2);
        assertThat(problems).hasSizeGreaterThan(10);
        System.out.println("safetensors fuzz: " + ok + " of " + ITERATIONS + " mutated files read, "
                + problems.size() + " kinds of rejection");
    }

    /** The message with names and numbers removed, so similar failures count once. */
    private static String problemKind(String message) {
        return message.replaceAll("^(header is not valid JSON).*", "$1").replaceAll("'[^']*'", "'_'")
                .replaceAll("\\[[^\\]]*\\]", "[]").replaceAll("[0-9]+", "N");
    }
}
