package dev.vecrnn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NpyTest {
    @TempDir
    Path dir;

    /** The 118-byte v1.0 header NumPy 2.4 writes for {@code header}: padded to 128 with the newline. */
    private static String numpyHeader(String dict) {
        return dict + " ".repeat(127 - 10 - dict.length()) + "\n";
    }

    /** Files written by {@code numpy.save} (NumPy 2.4.6), as hex. */
    private static final String F4_2X3 = hexOf("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
            "000080bf000000bf000000000000003f0000803f0000c03f"); // arange(6) * 0.5 - 1
    private static final String F8_SCALAR = hexOf("{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
            "9a9999999999b93f"); // 0.1
    private static final String F4_SCALAR = hexOf("{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
            "00006040"); // 3.5
    private static final String F4_0X3 = hexOf("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", "");
    private static final String I8 = hexOf("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }",
            "ffffffffffffffff00000000000100000000000000000080"); // -1, 2^40, -2^63
    private static final String I4 = hexOf("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 1), }",
            "01000000feffffff");
    private static final String F2 = hexOf("{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }",
            "003c00c0ff7b"); // 1, -2, 65504
    private static final String F4_BE = hexOf("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
            "3fc00000c0400000"); // 1.5, -3
    private static final String FORTRAN = hexOf("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
            "00000000000000400000803f00004040"); // arange(4).reshape(2,2) in column order: 0 2 1 3
    private static final String U1 = hexOf("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", "0102");

    private static String hexOf(String dict, String dataHex) {
        byte[] h = numpyHeader(dict).getBytes(StandardCharsets.US_ASCII);
        return "934e554d5059010076" + "00" + HexFormat.of().formatHex(h) + dataHex;
    }

    private Path save(String name, String hex) throws IOException {
        return Files.write(dir.resolve(name), HexFormat.of().parseHex(hex));
    }

    private Path save(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void preambleMatchesNumpyLayout() {
        // Guard on the fixture itself: NumPy's header length field is 0x0076 = 118.
        assertThat(HexFormat.of().parseHex(F4_2X3)).hasSize(128 + 24);
        assertThat(numpyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }")).hasSize(118);
    }

    @Test
    void readsNumpyFiles() throws IOException {
        Tensor a = Npy.read(save("a.npy", F4_2X3));
        assertThat(a.dtype()).isEqualTo(DType.F32);
        assertThat(a.shape()).containsExactly(2, 3);
        assertThat(a.data()).containsExactly(-1f, -0.5f, 0f, 0.5f, 1f, 1.5f);

        Tensor s = Npy.read(save("s.npy", F8_SCALAR));
        assertThat(s.shape()).isEmpty();
        assertThat(Float.floatToRawIntBits(s.data()[0])).isEqualTo(0x3dcccccd);
        assertThat(Npy.read(save("e.npy", F4_0X3)).shape()).containsExactly(0, 3);
        assertThat(Npy.read(save("l.npy", I8)).longData()).containsExactly(-1L, 1L << 40, Long.MIN_VALUE);
        Tensor i = Npy.read(save("i.npy", I4));
        assertThat(i.dtype()).isEqualTo(DType.I32);
        assertThat(i.shape()).containsExactly(2, 1);
        assertThat(i.toInts()).containsExactly(1, -2);
        assertThat(Npy.read(save("h.npy", F2)).data()).containsExactly(1f, -2f, 65504f);
        assertThat(Npy.read(save("b.npy", F4_BE)).data()).containsExactly(1.5f, -3f);
        Tensor f = Npy.read(save("f.npy", FORTRAN));
        assertThat(f.shape()).containsExactly(2, 2);
        assertThat(f.data()).containsExactly(0f, 1f, 2f, 3f);
    }

    @Test
    void fortranOrderOfRankThreeIsReordered() throws IOException {
        int[] shape = {2, 3, 4};
        float[] colMajor = new float[24];
        // element (i, j, k) has value 100i + 10j + k and sits at i + 2j + 6k in column order
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 4; k++) {
                    colMajor[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
                }
            }
        }
        ByteBuffer data = ByteBuffer.allocate(96).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : colMajor) {
            data.putFloat(v);
        }
        Tensor t = Npy.read(save("f3.npy",
                hexOf("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 4), }",
                        HexFormat.of().formatHex(data.array()))));
        assertThat(t.shape()).isEqualTo(shape);
        float[] d = t.data();
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 4; k++) {
                    assertThat(d[(i * 3 + j) * 4 + k]).isEqualTo(100 * i + 10 * j + k);
                }
            }
        }
    }

    @Test
    void writesBytesIdenticalToNumpy() throws IOException {
        Path f = dir.resolve("w.npy");
        Npy.write(f, Tensor.of(new float[] {-1f, -0.5f, 0f, 0.5f, 1f, 1.5f}, 2, 3));
        assertThat(HexFormat.of().formatHex(Files.readAllBytes(f))).isEqualTo(F4_2X3);
        Npy.write(f, Tensor.of(new float[] {3.5f}));
        assertThat(HexFormat.of().formatHex(Files.readAllBytes(f))).isEqualTo(F4_SCALAR);
        Npy.write(f, Tensor.of(new float[0], 0, 3));
        assertThat(HexFormat.of().formatHex(Files.readAllBytes(f))).isEqualTo(F4_0X3);
        Npy.write(f, Tensor.ofLongs(new long[] {-1, 1L << 40, Long.MIN_VALUE}, 3));
        assertThat(HexFormat.of().formatHex(Files.readAllBytes(f))).isEqualTo(I8);
        Npy.write(f, Tensor.ofInts(new int[] {1, -2}, 2, 1));
        assertThat(HexFormat.of().formatHex(Files.readAllBytes(f))).isEqualTo(I4);
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("w.npy");
        }
    }

    @Test
    void roundTripLargeAndOddShapes() throws IOException {
        Random rnd = new Random(7);
        float[] big = new float[400_001];
        for (int i = 0; i < big.length; i++) {
            big[i] = Float.intBitsToFloat(rnd.nextInt()); // every bit pattern, NaN payloads included
        }
        Path f = dir.resolve("big.npy");
        Npy.write(f, Tensor.of(big, 7, 57143));
        Tensor back = Npy.read(f);
        assertThat(back.shape()).containsExactly(7, 57143);
        float[] d = back.data();
        for (int i = 0; i < big.length; i++) {
            if (Float.floatToRawIntBits(d[i]) != Float.floatToRawIntBits(big[i])) {
                fail("element " + i + " differs");
            }
        }
        int[] manyDims = new int[40];
        Arrays.fill(manyDims, 1);
        Npy.write(f, Tensor.ofLongs(new long[] {42}, manyDims));
        assertThat(Npy.read(f).shape()).isEqualTo(manyDims);
        assertThat(Files.size(f) % 64).isEqualTo(8); // 64-aligned header + one 8-byte element
    }

    static byte[] npy(int major, String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int pre = major == 1 ? 10 : 12;
        ByteBuffer b = ByteBuffer.allocate(pre + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) h.length);
        } else {
            b.putInt(h.length);
        }
        return b.put(h).put(data).array();
    }

    @Test
    void readsVersionTwoAndThree() throws IOException {
        byte[] data = {0, 0, (byte) 0x80, 0x3f};
        assertThat(Npy.read(save("v2.npy", npy(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n",
                data))).data()).containsExactly(1f);
        assertThat(Npy.read(save("v3.npy", npy(3, "{\"descr\": \"<f4\", 'fortran_order': False, 'shape': (1L,), "
                + "'note': 'ünï' }\n", data))).data()).containsExactly(1f);
    }

    static Stream<Arguments> malformed() {
        byte[] four = new byte[4];
        String ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n";
        return Stream.of(
                Arguments.of("short", new byte[5], "too short"),
                Arguments.of("magic", withByte(npy(1, ok, four), 1, 'X'), "magic"),
                Arguments.of("version", withByte(npy(1, ok, four), 6, 9), "unsupported .npy format version 9.0"),
                Arguments.of("header past end", withByte(npy(1, ok, four), 9, 0x7f), "runs past the end"),
                Arguments.of("header above limit", withInt(npy(2, ok, four), 8, 0x7fffffff), "above the limit"),
                Arguments.of("non-ASCII v1", npy(1, "{'descr': '<f4', 'ü': 1}", four), "header is not ASCII"),
                Arguments.of("not a dict", npy(1, "[1, 2]", four), "expected '{'"),
                Arguments.of("unterminated", npy(1, "{'descr': '<f4'", four), "header ends early"),
                Arguments.of("garbage after", npy(1, "{} x", four), "unexpected text after"),
                Arguments.of("duplicate key", npy(1, "{'a': 1, 'a': 2}", four), "appears twice"),
                Arguments.of("bad value", npy(1, "{'a': [1]}", four), "unsupported value"),
                Arguments.of("no descr", npy(1, "{'fortran_order': False, 'shape': (1,)}", four), "no 'descr'"),
                Arguments.of("no shape", npy(1, "{'descr': '<f4', 'fortran_order': False}", four), "no 'shape'"),
                Arguments.of("structured", npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}",
                        four), "unsupported value"),
                Arguments.of("descr u1", npy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (4,)}", four),
                        "unsupported descr '|u1'"),
                Arguments.of("descr U10", npy(1, "{'descr': '<U10', 'fortran_order': False, 'shape': (1,)}", four),
                        "unsupported descr"),
                Arguments.of("fortran not bool", npy(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", four),
                        "'fortran_order' is not True or False"),
                Arguments.of("shape not tuple", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': 1}", four),
                        "'shape' is not a tuple"),
                Arguments.of("negative dim", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", four),
                        "negative dimension"),
                Arguments.of("dim beyond int", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3000000000,)}",
                        four), "'3000000000' is not an int"),
                Arguments.of("numel overflow", npy(1, "{'descr': '<f4', 'fortran_order': False, "
                        + "'shape': (65536, 65536)}", four), "more than 2^31-1 elements"),
                Arguments.of("truncated data", npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", four),
                        "needs 8 data bytes but the file has 4"));
    }

    static byte[] withByte(byte[] b, int at, int v) {
        b[at] = (byte) v;
        return b;
    }

    static byte[] withInt(byte[] b, int at, int v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedFileIsRejectedNamingFileAndProblem(String title, byte[] content, String problem) throws IOException {
        Path f = save("bad.npy", content);
        assertThatThrownBy(() -> Npy.read(f)).isInstanceOf(TensorFileException.class)
                .hasMessageStartingWith(f + ": ").hasMessageContaining(problem);
    }

    @Test
    void mutatedFilesReadOrFailWithTheDocumentedException() throws IOException {
        byte[][] seeds = {HexFormat.of().parseHex(F4_2X3), HexFormat.of().parseHex(FORTRAN),
            HexFormat.of().parseHex(I8), HexFormat.of().parseHex(F2)};
        byte[] chars = "{}()[]',:0123456789-L TrueFalse<>|fi248 \n".getBytes(StandardCharsets.US_ASCII);
        Random rnd = new Random(99);
        Path f = dir.resolve("fuzz.npy");
        int ok = 0;
        for (int it = 0; it < 1500; it++) {
            byte[] b = seeds[it % seeds.length].clone();
            switch (rnd.nextInt(4)) {
                case 0 -> b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
                case 1 -> b[rnd.nextInt(Math.min(b.length, 128))] ^= (byte) (1 << rnd.nextInt(8));
                case 2 -> b[10 + rnd.nextInt(118)] = chars[rnd.nextInt(chars.length)];
                default -> b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            Files.write(f, b);
            try {
                Tensor t = Npy.read(f);
                assertThat(t.numel() * 2).isLessThanOrEqualTo(b.length); // the smallest item has 2 bytes
                ok++;
            } catch (TensorFileException e) {
                assertThat(e.getMessage()).startsWith(f + ": ");
            } catch (Throwable t) {
                fail("iteration " + it + ": unexpected " + t + " for " + HexFormat.of().formatHex(b), t);
            }
        }
        assertThat(ok).isBetween(10, 1490);
    }
}
