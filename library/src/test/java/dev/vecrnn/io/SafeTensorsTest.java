package dev.vecrnn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafeTensorsTest {
    @TempDir
    Path dir;

    // ------------------------------------------------------------ helpers

    /** A safetensors file from a header given as text and raw data bytes, length field computed. */
    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return concat(le64(h.length), h, data);
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    /** Names in the folder other than {@code keep}: temp files a writer forgot. */
    static List<String> leftovers(Path dir, String... keep) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        }
        names.removeAll(List.of(keep));
        return names;
    }

    static void assertBitwise(float[] expected, float[] actual) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(Float.floatToRawIntBits(actual[i])).as("element %d", i)
                    .isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
    }

    // ------------------------------------------------------------ round trip

    @Test
    void roundTripKeepsOrderShapesAndBits() throws IOException {
        Random rnd = new Random(42);
        float[] big = new float[300_007]; // > 1 MiB, so it crosses chunk boundaries
        for (int i = 0; i < big.length; i++) {
            big[i] = (float) rnd.nextGaussian();
        }
        float[] special = {Float.NaN, Float.intBitsToFloat(0x7fc00123), -0.0f, Float.MIN_VALUE,
            Float.MAX_VALUE, Float.NEGATIVE_INFINITY};
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("weight_ih_l0", Tensor.of(special, 2, 3));
        in.put("scalar", Tensor.of(new float[] {3.5f}));
        in.put("empty", Tensor.of(new float[0], 0, 3));
        in.put("lengths", Tensor.ofLongs(new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}, 4));
        in.put("ids", Tensor.ofInts(new int[] {Integer.MIN_VALUE, 7, Integer.MAX_VALUE}, 3, 1));
        in.put("big", Tensor.of(big, 300_007));
        in.put("ünï/名 \"quoted\"", Tensor.of(new float[] {1, 2}, 1, 1, 2));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("note", "ß\n\"x\"");
        Path f = dir.resolve("model.safetensors");

        SafeTensors.write(f, in, meta);
        Map<String, Tensor> out = SafeTensors.read(f);

        assertThat(out.keySet()).containsExactlyElementsOf(in.keySet());
        for (String name : in.keySet()) {
            Tensor a = in.get(name);
            Tensor b = out.get(name);
            assertThat(b.dtype()).as(name).isEqualTo(a.dtype());
            assertThat(b.shape()).as(name).isEqualTo(a.shape());
            if (a.dtype() == DType.F32) {
                assertBitwise(a.data(), b.data());
            } else {
                assertThat(b.longData()).as(name).isEqualTo(a.longData());
            }
            assertThat(b).isEqualTo(a);
        }
        assertThat(out.get("scalar").shape()).isEmpty();
        assertThat(out.get("scalar").numel()).isEqualTo(1);
        assertThat(out.get("empty").numel()).isZero();
        assertThat(SafeTensors.readMetadata(f)).containsExactlyEntriesOf(meta);
        assertThat(leftovers(dir, "model.safetensors")).isEmpty();
    }

    @Test
    void writesTheExactBytesOfTheFormat() throws IOException {
        Path f = dir.resolve("a.safetensors");
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("a", Tensor.of(new float[] {1.0f, -2.0f}, 2));
        in.put("n", Tensor.ofInts(new int[] {-2}, 1));
        SafeTensors.write(f, in);

        String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"n\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        int padded = (json.length() + 7) / 8 * 8;
        byte[] expected = concat(le64(padded), json.getBytes(StandardCharsets.US_ASCII),
                " ".repeat(padded - json.length()).getBytes(StandardCharsets.US_ASCII),
                bytes(0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0xfe, 0xff, 0xff, 0xff));
        assertThat(Files.readAllBytes(f)).isEqualTo(expected);
    }

    @Test
    void writesMetadataFirstAndEmptyFile() throws IOException {
        Path f = dir.resolve("m.safetensors");
        SafeTensors.write(f, Map.of(), Map.of("format", "pt"));
        byte[] b = Files.readAllBytes(f);
        String header = new String(b, 8, b.length - 8, StandardCharsets.UTF_8);
        assertThat(header.strip()).isEqualTo("{\"__metadata__\":{\"format\":\"pt\"}}");
        assertThat((b.length - 8) % 8).isZero();
        assertThat(SafeTensors.read(f)).isEmpty();
        assertThat(SafeTensors.readMetadata(f)).containsExactly(Map.entry("format", "pt"));

        SafeTensors.write(f, Map.of());
        assertThat(SafeTensors.read(f)).isEmpty();
        assertThat(SafeTensors.readMetadata(f)).isEmpty();
    }

    // ------------------------------------------------------------ reading other writers' files

    @Test
    void readsHandWrittenFileOfEveryDtype() throws IOException {
        // Data laid out deliberately out of header order, with a gap and trailing bytes, which
        // the reader accepts.
        byte[] f64 = concat(le64(0x3FB999999999999AL), le64(0xC002000000000000L), le64(0x3E45798EE2308C3AL),
                le64(0x358DEE7A4AD4B81FL), le64(0x47F074F8C4D3CD7BL)); // 0.1, -2.25, 1e-8, 1e-50, 3.5e38
        byte[] f16 = bytes(0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, 0x00, 0x7c, 0x00, 0x80, 0x55, 0x35,
                0x00, 0x7e);
        byte[] bf16 = bytes(0x80, 0x3f, 0x40, 0xc0, 0x49, 0x40, 0x01, 0x00, 0x80, 0xff);
        byte[] i64 = concat(le64(-1), le64(1L << 40), le64(Long.MIN_VALUE));
        byte[] i32 = bytes(0xf9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f); // -7, 2^31-1
        byte[] gap = bytes(0xAA, 0xBB, 0xCC);
        byte[] data = concat(i64, f64, gap, f16, bf16, i32, bytes(1, 2, 3, 4, 5));
        int oI64 = 0;
        int oF64 = oI64 + i64.length;
        int oF16 = oF64 + f64.length + gap.length;
        int oBf16 = oF16 + f16.length;
        int oI32 = oBf16 + bf16.length;
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[5],\"data_offsets\":[" + oF64 + "," + (oF64 + 40) + "]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2,4],\"data_offsets\":[" + oF16 + "," + (oF16 + 16) + "]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[5,1],\"data_offsets\":[" + oBf16 + "," + (oBf16 + 10) + "]},"
                + "\"l\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[" + oI64 + "," + (oI64 + 24) + "]},"
                + "\"i\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[" + oI32 + "," + (oI32 + 8) + "],"
                + "\"extra\":true},"
                + "\"z\":{\"dtype\":\"F16\",\"shape\":[0],\"data_offsets\":[0,0]}}   ";
        Path f = dir.resolve("hand.safetensors");
        Files.write(f, file(header, data));

        Map<String, Tensor> t = SafeTensors.read(f);

        assertThat(t.keySet()).containsExactly("d", "h", "b", "l", "i", "z");
        assertBitwise(new float[] {Float.intBitsToFloat(0x3dcccccd), -2.25f, Float.intBitsToFloat(0x322bcc77), 0.0f,
            Float.POSITIVE_INFINITY}, t.get("d").data());
        assertBitwise(new float[] {1.0f, -2.0f, 65504.0f, Float.intBitsToFloat(0x33800000), Float.POSITIVE_INFINITY,
            -0.0f, Float.intBitsToFloat(0x3eaaa000), Float.intBitsToFloat(0x7fc00000)}, t.get("h").data());
        assertThat(t.get("h").shape()).containsExactly(2, 4);
        assertBitwise(new float[] {1.0f, -3.0f, 3.140625f, Float.intBitsToFloat(0x00010000), Float.NEGATIVE_INFINITY},
                t.get("b").data());
        assertThat(t.get("l").dtype()).isEqualTo(DType.I64);
        assertThat(t.get("l").longData()).containsExactly(-1L, 1L << 40, Long.MIN_VALUE);
        assertThat(t.get("i").dtype()).isEqualTo(DType.I32);
        assertThat(t.get("i").toInts()).containsExactly(-7, Integer.MAX_VALUE);
        assertThat(t.get("z").dtype()).isEqualTo(DType.F32);
        assertThat(t.get("z").numel()).isZero();
        assertThat(SafeTensors.readMetadata(f)).containsExactly(Map.entry("format", "pt"));
    }

    // ------------------------------------------------------------ malformed files

    static String entry(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    static Stream<Arguments> malformed() {
        byte[] data16 = new byte[16];
        String okA = entry("a", "F32", "[2]", "[0,8]");
        return Stream.of(
                Arguments.of("empty file", new byte[0], "fewer than the 8"),
                Arguments.of("7 bytes", new byte[7], "fewer than the 8"),
                Arguments.of("header length past end", concat(le64(100), "{}".getBytes(StandardCharsets.US_ASCII)),
                        "runs past the end of the file"),
                Arguments.of("header length 2^40", concat(le64(1L << 40), new byte[8]), "above the limit"),
                Arguments.of("header length 2^64-1", concat(le64(-1), new byte[8]), "18446744073709551615"),
                Arguments.of("header length zero", concat(le64(0), data16), "header is empty"),
                Arguments.of("only spaces", file("        ", data16), "header is empty"),
                Arguments.of("not JSON", file("{\"a\": nope}", data16), "not valid JSON"),
                Arguments.of("unclosed", file("{\"a\": {", data16), "not valid JSON"),
                Arguments.of("array", file("[1,2]", data16), "JSON array, not an object"),
                Arguments.of("number", file("42", data16), "JSON number, not an object"),
                Arguments.of("trailing tokens", file("{} {}", data16), "not valid JSON"),
                Arguments.of("duplicate key", file("{" + okA + "," + okA + "}", data16), "not valid JSON"),
                Arguments.of("invalid UTF-8", concat(le64(4), bytes('{', 0xC3, 0x28, '}'), data16), "not valid UTF-8"),
                Arguments.of("UTF-16", concat(le64(4), bytes('{', 0, '}', 0), data16), "not valid JSON"),
                Arguments.of("entry not object", file("{\"a\": 3}", data16), "tensor 'a': header entry is not a JSON object"),
                Arguments.of("no dtype", file("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", data16),
                        "tensor 'a': header entry has no \"dtype\""),
                Arguments.of("no shape", file("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", data16),
                        "tensor 'a': header entry has no \"shape\""),
                Arguments.of("no offsets", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", data16),
                        "tensor 'a': header entry has no \"data_offsets\""),
                Arguments.of("dtype not string", file("{\"a\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", data16),
                        "\"dtype\" is not a string"),
                Arguments.of("unknown dtype", file("{" + entry("a", "U8", "[2]", "[0,2]") + "}", data16),
                        "tensor 'a': unsupported dtype 'U8'"),
                Arguments.of("lower-case dtype", file("{" + entry("a", "f32", "[2]", "[0,8]") + "}", data16),
                        "unsupported dtype 'f32'"),
                Arguments.of("shape not array", file("{" + entry("a", "F32", "2", "[0,8]") + "}", data16),
                        "\"shape\" is not an array"),
                Arguments.of("negative dim", file("{" + entry("a", "F32", "[-2]", "[0,8]") + "}", data16),
                        "has dimension -2, not an int >= 0"),
                Arguments.of("fractional dim", file("{" + entry("a", "F32", "[2.0]", "[0,8]") + "}", data16),
                        "not an int >= 0"),
                Arguments.of("dim beyond int", file("{" + entry("a", "F32", "[3000000000]", "[0,8]") + "}", data16),
                        "not an int >= 0"),
                Arguments.of("dim not a number", file("{" + entry("a", "F32", "[\"2\"]", "[0,8]") + "}", data16),
                        "not an int >= 0"),
                Arguments.of("numel overflows int", file("{" + entry("a", "F32", "[65536,65536]", "[0,8]") + "}", data16),
                        "more than 2^31-1 elements"),
                Arguments.of("numel overflows long", file("{" + entry("a", "I64",
                        "[2147483647,2147483647,2147483647,2147483647,2147483647]", "[0,8]") + "}", data16),
                        "more than 2^31-1 elements"),
                Arguments.of("size mismatch", file("{" + entry("a", "F32", "[2]", "[0,4]") + "}", data16),
                        "shape [2] of F32 needs 8 bytes but data_offsets [0, 4] span 4"),
                Arguments.of("size mismatch dtype", file("{" + entry("a", "F64", "[2]", "[0,8]") + "}", data16),
                        "needs 16 bytes"),
                Arguments.of("end past buffer", file("{" + entry("a", "F32", "[5]", "[0,20]") + "}", data16),
                        "end past the data buffer of 16 bytes"),
                Arguments.of("huge offsets", file("{" + entry("a", "F32", "[2]",
                        "[9223372036854775800,9223372036854775807]") + "}", data16), "end past the data buffer"),
                Arguments.of("offset beyond long", file("{" + entry("a", "F32", "[2]",
                        "[0,92233720368547758070]") + "}", data16), "not an integer >= 0"),
                Arguments.of("begin after end", file("{" + entry("a", "F32", "[0]", "[8,0]") + "}", data16),
                        "begin after end"),
                Arguments.of("negative offset", file("{" + entry("a", "F32", "[2]", "[-8,0]") + "}", data16),
                        "not an integer >= 0"),
                Arguments.of("three offsets", file("{" + entry("a", "F32", "[2]", "[0,8,9]") + "}", data16),
                        "\"data_offsets\" is not an array [begin, end]"),
                Arguments.of("offsets not array", file("{" + entry("a", "F32", "[2]", "8") + "}", data16),
                        "\"data_offsets\" is not an array"),
                Arguments.of("overlap", file("{" + okA + "," + entry("b", "F32", "[2]", "[4,12]") + "}", data16),
                        "tensors 'a' [0, 8) and 'b' [4, 12) overlap"),
                Arguments.of("same range twice", file("{" + okA + "," + entry("b", "I64", "[1]", "[0,8]") + "}", data16),
                        "overlap"),
                Arguments.of("metadata not object", file("{\"__metadata__\":[1]}", data16),
                        "\"__metadata__\" is not a JSON object"),
                Arguments.of("metadata value not string", file("{\"__metadata__\":{\"epoch\":3}}", data16),
                        "metadata value of 'epoch' is not a string"),
                Arguments.of("truncated data", concat(le64(56), (("{" + entry("w", "F32", "[4]", "[0,16]") + "}")
                        + "        ").substring(0, 56).getBytes(StandardCharsets.US_ASCII), new byte[10]),
                        "end past the data buffer of 10 bytes"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedFileIsRejectedNamingFileAndProblem(String title, byte[] content, String problem) throws IOException {
        Path f = dir.resolve("bad.safetensors");
        Files.write(f, content);
        assertThatThrownBy(() -> SafeTensors.read(f))
                .isInstanceOf(TensorFileException.class)
                .hasMessageStartingWith(f + ": ")
                .hasMessageContaining(problem)
                .satisfies(e -> assertThat(((TensorFileException) e).file()).isEqualTo(f));
        assertThatThrownBy(() -> SafeTensors.readMetadata(f)).isInstanceOf(TensorFileException.class);
    }

    @Test
    void truncatedValidFileIsRejectedAtEveryLength() throws IOException {
        Path good = dir.resolve("good.safetensors");
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("a", Tensor.of(new float[] {1, 2, 3}, 3));
        in.put("b", Tensor.ofLongs(new long[] {4, 5}, 2));
        SafeTensors.write(good, in);
        byte[] all = Files.readAllBytes(good);
        Path f = dir.resolve("cut.safetensors");
        for (int len = 0; len < all.length; len++) {
            Files.write(f, java.util.Arrays.copyOf(all, len));
            assertThatThrownBy(() -> SafeTensors.read(f)).as("length %d", len)
                    .isInstanceOf(TensorFileException.class).hasMessageStartingWith(f + ": ");
        }
    }

    @Test
    void missingFileIsAPlainIOException() {
        Path f = dir.resolve("nope.safetensors");
        assertThatThrownBy(() -> SafeTensors.read(f)).isInstanceOf(IOException.class)
                .isNotInstanceOf(TensorFileException.class).hasMessageContaining("nope.safetensors");
    }

    // ------------------------------------------------------------ atomic writes

    private Path oldFile() throws IOException {
        Path f = dir.resolve("ckpt.safetensors");
        SafeTensors.write(f, Map.of("old", Tensor.of(new float[] {1, 2, 3}, 3)));
        return f;
    }

    static Stream<Arguments> badWrites() {
        Map<String, Tensor> nullTensor = new LinkedHashMap<>();
        nullTensor.put("ok", Tensor.of(new float[] {1}, 1));
        nullTensor.put("bad", null);
        Map<String, Tensor> nullName = new LinkedHashMap<>();
        nullName.put(null, Tensor.of(new float[] {1}, 1));
        Map<String, String> nullValue = new LinkedHashMap<>();
        nullValue.put("k", null);
        Map<String, Tensor> one = Map.of("x", Tensor.of(new float[] {1}, 1));
        return Stream.of(
                Arguments.of("null tensor", nullTensor, Map.of(), "tensor 'bad' is null"),
                Arguments.of("null name", nullName, Map.of(), "a tensor name is null"),
                Arguments.of("reserved name", Map.of("__metadata__", Tensor.of(new float[] {1}, 1)), Map.of(),
                        "'__metadata__' is reserved"),
                Arguments.of("null metadata value", one, nullValue, "null key or value"),
                Arguments.of("null map", null, Map.of(), "tensors is null"),
                Arguments.of("null metadata", one, null, "metadata is null"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badWrites")
    void badWriteLeavesOldFileIntact(String title, Map<String, Tensor> tensors, Map<String, String> meta,
            String problem) throws IOException {
        Path f = oldFile();
        byte[] before = Files.readAllBytes(f);
        assertThatThrownBy(() -> SafeTensors.write(f, tensors, meta))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining(problem);
        assertThat(Files.readAllBytes(f)).isEqualTo(before);
        assertThat(leftovers(dir, "ckpt.safetensors")).isEmpty();
    }

    @Test
    void failureHalfwayThroughWritingLeavesOldFileAndNoTempFile() throws IOException {
        Path f = oldFile();
        byte[] before = Files.readAllBytes(f);
        assertThatThrownBy(() -> AtomicFiles.write(f, ch -> {
            ch.write(ByteBuffer.wrap(new byte[1000]));
            throw new IOException("disk full (simulated)");
        })).isInstanceOf(IOException.class).hasMessage(f + ": cannot write it: disk full (simulated)")
                .hasRootCauseMessage("disk full (simulated)");
        assertThatThrownBy(() -> AtomicFiles.write(f, ch -> {
            ch.write(ByteBuffer.wrap(new byte[10]));
            throw new UncheckedIOException(new IOException("unchecked (simulated)"));
        })).isInstanceOf(UncheckedIOException.class);
        assertThat(Files.readAllBytes(f)).isEqualTo(before);
        assertThat(SafeTensors.read(f).get("old").data()).containsExactly(1, 2, 3);
        assertThat(leftovers(dir, "ckpt.safetensors")).isEmpty();
    }

    @Test
    void failedRenameOntoNonEmptyFolderLeavesItAndNoTempFile() throws IOException {
        Path target = Files.createDirectory(dir.resolve("taken.safetensors"));
        Files.writeString(target.resolve("inside.txt"), "keep me");
        assertThatThrownBy(() -> SafeTensors.write(target, Map.of("x", Tensor.of(new float[] {1}, 1))))
                .isInstanceOf(IOException.class);
        assertThat(Files.readString(target.resolve("inside.txt"))).isEqualTo("keep me");
        assertThat(leftovers(dir, "taken.safetensors")).isEmpty();
    }

    @Test
    void parentThatIsAFileFailsWithoutSideEffects() throws IOException {
        Path notADir = Files.writeString(dir.resolve("plain"), "x");
        assertThatThrownBy(() -> SafeTensors.write(notADir.resolve("m.safetensors"), Map.of()))
                .isInstanceOf(IOException.class);
        assertThat(Files.readString(notADir)).isEqualTo("x");
        assertThat(leftovers(dir, "plain")).isEmpty();
    }

    @Test
    void overwriteReplacesContentAndLeavesNoTempFile() throws IOException {
        Path f = oldFile();
        SafeTensors.write(f, Map.of("new", Tensor.ofLongs(new long[] {9}, 1)), Map.of("step", "2"));
        assertThat(SafeTensors.read(f)).containsOnlyKeys("new");
        assertThat(SafeTensors.readMetadata(f)).containsEntry("step", "2");
        assertThat(leftovers(dir, "ckpt.safetensors")).isEmpty();
    }

    @Test
    void relativePathWorks() throws IOException {
        Path f = Path.of("target", "safetensors-relative-test.safetensors");
        Files.createDirectories(f.getParent());
        try {
            SafeTensors.write(f, Map.of("x", Tensor.of(new float[] {5}, 1)));
            assertThat(SafeTensors.read(f).get("x").data()).containsExactly(5f);
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
