package dev.vecrnn.io;

import dev.vecrnn.mem.InsufficientMemoryException;
import dev.vecrnn.mem.MemoryBudget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0), one array per
 * file, as {@link Tensor}s.
 *
 * <pre>{@code
 * Npy.write(Path.of("x.npy"), Tensor.of(x, seqLen, batch, input));  // np.load("x.npy")
 * Tensor y = Npy.read(Path.of("y.npy"));                            // from np.save("y.npy", y)
 * }</pre>
 *
 * <h2>Reading</h2>
 * Supported {@code descr}s: {@code f4}, {@code f8}, {@code f2} (read as {@code F32}),
 * {@code i4} and {@code i8}, little- ({@code <}) or big-endian ({@code >}). Fortran-order arrays
 * are reordered to row-major. A malformed file raises {@link TensorFileException} naming the file
 * and the problem: wrong magic or version, header length past the file or above
 * {@link #MAX_HEADER_BYTES}, a header that is not the dictionary NumPy writes, an unsupported
 * {@code descr}, a bad shape, more than 64 dimensions, more than {@link Tensor#MAX_ELEMENTS}
 * elements (the most one Java array holds), or data shorter than the shape needs. Bytes after the
 * data are ignored, as NumPy does. Before the array is allocated, the bytes it will take are
 * checked against the heap ({@link MemoryBudget}): an array too large for it raises
 * {@link InsufficientMemoryException} with the estimate and the {@code -Xmx} that would do.
 *
 * <h2>Writing</h2>
 * Version 1.0 (2.0 only for a header longer than 65535 bytes), {@code '<f4'}, {@code '<i4'} or
 * {@code '<i8'} by the tensor's dtype, C order; byte-identical to {@code numpy.save} of the same
 * array. The file is replaced atomically by {@link AtomicFiles}, as with
 * {@link SafeTensors#write(Path, Map)}.
 */
public final class Npy {
    private Npy() {}

    /** Largest header accepted (NumPy itself refuses more than 10000 bytes by default). */
    public static final int MAX_HEADER_BYTES = 1 << 20;

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Data starts at a multiple of this, as NumPy aligns it. */
    private static final int ALIGN = 64;
    /** NumPy leaves room after the shape so an array can grow along its first axis in place. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;
    private static final int CHUNK_BYTES = 1 << 20;

    /**
     * Reads the array in {@code file}.
     *
     * @throws TensorFileException if the file is malformed or of an unsupported type
     * @throws InsufficientMemoryException if the array would not fit in the heap
     * @throws IOException if the file cannot be read
     */
    public static Tensor read(Path file) throws IOException {
        return read(file, ReadLimits.npy());
    }

    static Tensor read(Path file, ReadLimits limits) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 10) {
                throw new TensorFileException(file, "file has " + size + " bytes, too short for a .npy preamble");
            }
            ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            pre.limit((int) Math.min(12, size));
            SafeTensors.readFully(file, ch, pre, 0, "the preamble");
            for (int i = 0; i < MAGIC.length; i++) {
                if (pre.get(i) != MAGIC[i]) {
                    throw new TensorFileException(file, "does not start with the .npy magic \\x93NUMPY");
                }
            }
            int major = pre.get(6) & 0xFF;
            int minor = pre.get(7) & 0xFF;
            long headerLen;
            int headerStart;
            if (major == 1) {
                headerLen = pre.getShort(8) & 0xFFFF;
                headerStart = 10;
            } else if (major == 2 || major == 3) {
                if (size < 12) {
                    throw new TensorFileException(file, "file has " + size + " bytes, too short for a version "
                            + major + " preamble");
                }
                headerLen = pre.getInt(8) & 0xFFFFFFFFL;
                headerStart = 12;
            } else {
                throw new TensorFileException(file, "unsupported .npy format version " + major + "." + minor);
            }
            if (headerLen > limits.maxHeaderBytes()) {
                throw new TensorFileException(file, "header length " + headerLen + " is above the limit of "
                        + limits.maxHeaderBytes() + " bytes");
            }
            if (headerLen > size - headerStart) {
                throw new TensorFileException(file, "header length " + headerLen + " runs past the end of the file ("
                        + size + " bytes): truncated or corrupt");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            SafeTensors.readFully(file, ch, hb, headerStart, "the header");
            hb.flip();
            String text;
            try {
                // Versions 1 and 2 are latin-1 by the spec, but NumPy only ever writes ASCII there.
                text = (major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.US_ASCII).newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(hb).toString();
            } catch (CharacterCodingException e) {
                throw new TensorFileException(file, "header is not " + (major == 3 ? "UTF-8" : "ASCII"), e);
            }
            Map<String, Object> dict = new HeaderParser(file, text, limits.maxRank()).parse();
            return readData(file, ch, dict, headerStart + headerLen, size, limits);
        }
    }

    /**
     * Writes {@code tensor} to {@code file} (conventionally named {@code *.npy}), replacing it
     * atomically.
     *
     * @throws IllegalArgumentException if an argument is null
     * @throws IOException if writing fails; {@code file} is then left as it was
     */
    public static void write(Path file, Tensor tensor) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("file is null");
        }
        if (tensor == null) {
            throw new IllegalArgumentException("cannot write " + file + ": tensor is null");
        }
        byte[] preamble = preamble(tensor);
        AtomicFiles.write(file, ch -> {
            ByteBuffer p = ByteBuffer.wrap(preamble);
            while (p.hasRemaining()) {
                ch.write(p);
            }
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, Math.max(8, tensor.numel() * 8)))
                    .order(ByteOrder.LITTLE_ENDIAN);
            tensor.writeElements(ch, buf);
        });
    }

    private static byte[] preamble(Tensor t) {
        String descr = switch (t.dtype()) {
            case F32 -> "<f4";
            case I32 -> "<i4";
            case I64 -> "<i8";
            default -> throw new IllegalStateException("tensor dtype " + t.dtype() + " cannot be held in memory");
        };
        int[] shape = t.shape();
        StringBuilder h = new StringBuilder("{'descr': '").append(descr)
                .append("', 'fortran_order': False, 'shape': (");
        for (int i = 0; i < shape.length; i++) {
            h.append(i > 0 ? ", " : "").append(shape[i]);
        }
        h.append(shape.length == 1 ? ",), }" : "), }");
        if (shape.length > 0) {
            h.append(" ".repeat(GROWTH_AXIS_MAX_DIGITS - String.valueOf(shape[0]).length()));
        }
        int major = 10 + h.length() + 1 > 0xFFFF ? 2 : 1;
        int prefix = major == 1 ? 10 : 12;
        int total = prefix + h.length() + 1;
        int pad = (ALIGN - total % ALIGN) % ALIGN;
        h.append(" ".repeat(pad)).append('\n');
        byte[] text = h.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(prefix + text.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            b.putShort((short) text.length);
        } else {
            b.putInt(text.length);
        }
        return b.put(text).array();
    }

    private static Tensor readData(Path file, FileChannel ch, Map<String, Object> dict, long dataStart, long size,
            ReadLimits limits) throws IOException {
        for (String key : List.of("descr", "fortran_order", "shape")) {
            if (!dict.containsKey(key)) {
                throw new TensorFileException(file, "header has no '" + key + "'");
            }
        }
        if (!(dict.get("descr") instanceof String descr)) {
            throw new TensorFileException(file, "header 'descr' is not a string (structured arrays are not supported)");
        }
        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw new TensorFileException(file, "header 'fortran_order' is not True or False");
        }
        if (!(dict.get("shape") instanceof int[] shape)) {
            throw new TensorFileException(file, "header 'shape' is not a tuple of ints");
        }
        DType dtype;
        ByteOrder order;
        if (descr.length() != 3 || "<>=|".indexOf(descr.charAt(0)) < 0
                || (dtype = dtypeOf(descr.substring(1))) == null) {
            throw new TensorFileException(file, "unsupported descr '" + descr
                    + "' (supported: f4, f8, f2, i4, i8, little- or big-endian)");
        }
        order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN
                : descr.charAt(0) == '=' ? ByteOrder.nativeOrder() : ByteOrder.LITTLE_ENDIAN;
        for (int d : shape) {
            if (d < 0) {
                throw new TensorFileException(file, "shape " + Arrays.toString(shape) + " has a negative dimension");
            }
        }
        long numel = limits.numel(file, null, shape);
        long bytes = numel * dtype.byteSize();
        if (bytes > size - dataStart) {
            throw new TensorFileException(file, "shape " + Arrays.toString(shape) + " of '" + descr + "' needs "
                    + bytes + " data bytes but the file has " + (size - dataStart) + " after the header: truncated");
        }
        int n = (int) numel;
        int heldSize = dtype.isFloating() ? Float.BYTES : Long.BYTES;
        boolean reorder = fortran && shape.length > 1;
        // Reordering a Fortran array needs a second array and an int index while the first lives.
        long heapBytes = numel * heldSize * (reorder ? 2 : 1) + (reorder ? numel * Integer.BYTES : 0)
                + Math.min(CHUNK_BYTES, bytes);
        limits.memory().check(heapBytes, file + ": reading an array of shape " + Arrays.toString(shape));
        float[] f = dtype.isFloating() ? new float[n] : null;
        long[] l = dtype.isFloating() ? null : new long[n];
        int itemSize = dtype.byteSize();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, Math.max(8, (bytes + 7) & ~7L))).order(order);
        int per = buf.capacity() / itemSize;
        long pos = dataStart;
        for (int off = 0; off < n; off += per) {
            int k = Math.min(per, n - off);
            buf.clear().limit(k * itemSize);
            SafeTensors.readFully(file, ch, buf, pos, "the data");
            pos += (long) k * itemSize;
            buf.flip();
            switch (dtype) {
                case F32 -> buf.asFloatBuffer().get(f, off, k);
                case I64 -> buf.asLongBuffer().get(l, off, k);
                case F64 -> {
                    for (int i = 0; i < k; i++) {
                        f[off + i] = (float) buf.getDouble(8 * i);
                    }
                }
                case F16 -> {
                    for (int i = 0; i < k; i++) {
                        f[off + i] = Float.float16ToFloat(buf.getShort(2 * i));
                    }
                }
                case I32 -> {
                    for (int i = 0; i < k; i++) {
                        l[off + i] = buf.getInt(4 * i);
                    }
                }
                default -> throw new IllegalStateException(dtype.name());
            }
        }
        if (reorder) {
            if (f != null) {
                f = toRowMajor(f, shape);
            } else {
                l = toRowMajor(l, shape);
            }
        }
        return switch (dtype) {
            case I32 -> Tensor.ofI32Longs(l, shape);
            case I64 -> Tensor.ofLongs(l, shape);
            default -> Tensor.of(f, shape);
        };
    }

    private static DType dtypeOf(String kind) {
        return switch (kind) {
            case "f4" -> DType.F32;
            case "f8" -> DType.F64;
            case "f2" -> DType.F16;
            case "i4" -> DType.I32;
            case "i8" -> DType.I64;
            default -> null;
        };
    }

    /** Column-major source index of each row-major position, walked with an odometer. */
    private static int[] fortranIndex(int[] shape, int n) {
        int rank = shape.length;
        int[] stride = new int[rank]; // column-major strides
        int s = 1;
        for (int k = 0; k < rank; k++) {
            stride[k] = s;
            s *= shape[k];
        }
        int[] idx = new int[rank];
        int[] src = new int[n];
        int at = 0;
        for (int i = 0; i < n; i++) {
            src[i] = at;
            for (int k = rank - 1; k >= 0; k--) { // advance the last axis fastest (row-major)
                if (++idx[k] < shape[k]) {
                    at += stride[k];
                    break;
                }
                at -= stride[k] * (idx[k] - 1);
                idx[k] = 0;
            }
        }
        return src;
    }

    private static float[] toRowMajor(float[] a, int[] shape) {
        int[] src = fortranIndex(shape, a.length);
        float[] out = new float[a.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = a[src[i]];
        }
        return out;
    }

    private static long[] toRowMajor(long[] a, int[] shape) {
        int[] src = fortranIndex(shape, a.length);
        long[] out = new long[a.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = a[src[i]];
        }
        return out;
    }

    /**
     * Parses the header NumPy writes: a Python dict literal with string keys and values that are
     * strings, {@code True}/{@code False}/{@code None}, ints or tuples of ints (returned as
     * {@code int[]}). Anything else is an error; the input is bounded, so is the work.
     */
    private static final class HeaderParser {
        private final Path file;
        private final String s;
        private final int maxRank;
        private int i;

        HeaderParser(Path file, String s, int maxRank) {
            this.file = file;
            this.s = s;
            this.maxRank = maxRank;
        }

        Map<String, Object> parse() throws TensorFileException {
            Map<String, Object> dict = new LinkedHashMap<>();
            skipSpace();
            expect('{');
            skipSpace();
            while (peek() != '}') {
                String key = string();
                skipSpace();
                expect(':');
                skipSpace();
                Object value = value();
                if (dict.put(key, value) != null) {
                    throw error("key '" + key + "' appears twice");
                }
                skipSpace();
                if (peek() == ',') {
                    i++;
                    skipSpace();
                } else if (peek() != '}') {
                    throw error("expected ',' or '}'");
                }
            }
            i++;
            skipSpace();
            if (i != s.length()) {
                throw error("unexpected text after the dictionary");
            }
            return dict;
        }

        private Object value() throws TensorFileException {
            char c = peek();
            if (c == '\'' || c == '"') {
                return string();
            }
            if (c == '(') {
                return tuple();
            }
            if (c == '-' || (c >= '0' && c <= '9')) {
                return integer();
            }
            for (String word : List.of("True", "False", "None")) {
                if (s.startsWith(word, i)) {
                    i += word.length();
                    return word.equals("None") ? "None" : Boolean.valueOf(word.equals("True"));
                }
            }
            throw error("unsupported value");
        }

        private int[] tuple() throws TensorFileException {
            expect('(');
            List<Integer> dims = new ArrayList<>();
            skipSpace();
            while (peek() != ')') {
                if (dims.size() == maxRank) {
                    throw error("the shape has more than " + maxRank + " dimensions");
                }
                dims.add(integer());
                skipSpace();
                if (peek() == ',') {
                    i++;
                    skipSpace();
                } else if (peek() != ')') {
                    throw error("expected ',' or ')' in the shape");
                }
            }
            i++;
            return dims.stream().mapToInt(Integer::intValue).toArray();
        }

        private int integer() throws TensorFileException {
            int start = i;
            if (peek() == '-') {
                i++;
            }
            while (i < s.length() && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) {
                i++;
            }
            String digits = s.substring(start, i);
            if (i < s.length() && s.charAt(i) == 'L') { // Python 2 long literal
                i++;
            }
            try {
                return Integer.parseInt(digits);
            } catch (NumberFormatException e) {
                throw error("'" + digits + "' is not an int");
            }
        }

        private String string() throws TensorFileException {
            char quote = peek();
            if (quote != '\'' && quote != '"') {
                throw error("expected a quoted string");
            }
            i++;
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = peek();
                i++;
                if (c == quote) {
                    return b.toString();
                }
                if (c == '\\') {
                    c = peek();
                    i++;
                }
                b.append(c);
            }
        }

        private void expect(char c) throws TensorFileException {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            i++;
        }

        private char peek() throws TensorFileException {
            if (i >= s.length()) {
                throw error("header ends early");
            }
            return s.charAt(i);
        }

        private void skipSpace() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private TensorFileException error(String what) {
            String near = s.substring(Math.max(0, i - 20), Math.min(s.length(), i + 20)).replace("\n", "\\n");
            return new TensorFileException(file, "header is not a NumPy header dictionary: " + what
                    + " at character " + i + " (near \"" + near + "\")");
        }
    }
}
