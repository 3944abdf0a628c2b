package dev.vecrnn.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads and writes safetensors files, the format PyTorch users save {@code state_dict}s in.
 *
 * <pre>{@code
 * Map<String, Tensor> params = new LinkedHashMap<>();
 * params.put("weight_ih_l0", Tensor.of(wih, 4 * hidden, input));
 * params.put("lengths", Tensor.ofLongs(new long[] {7, 5}, 2));
 * SafeTensors.write(Path.of("model.safetensors"), params, Map.of("format", "pt"));
 *
 * Map<String, Tensor> back = SafeTensors.read(Path.of("model.safetensors"));
 * float[] w = back.get("weight_ih_l0").data();
 * }</pre>
 *
 * <h2>Format</h2>
 * An 8-byte little-endian header length {@code N}, {@code N} bytes of UTF-8 JSON
 * {@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
 * "__metadata__": {"key": "value"}}}, then the little-endian data buffer; offsets count from the
 * start of that buffer.
 *
 * <h2>Reading</h2>
 * {@code F32}, {@code F64}, {@code F16} and {@code BF16} tensors are read as {@code F32}
 * tensors ({@code F64} rounded to nearest, the 16-bit types exactly); {@code I32} and {@code I64}
 * stay integer tensors. Any other dtype is an error. The header is checked in full before any
 * tensor data is allocated, so an allocation never exceeds what the file's size allows. A
 * malformed file raises {@link TensorFileException} naming the file and the problem: file
 * shorter than 8 bytes; header length beyond the file or above {@link #MAX_HEADER_BYTES};
 * header not UTF-8, not JSON, not an object, or with duplicate keys; an entry that is not an
 * object or lacks {@code dtype}, {@code shape} or {@code data_offsets}; an unsupported dtype;
 * a dimension that is negative or not an int; more than {@code 2^31-1} elements; offsets that
 * are negative, reversed, past the data buffer, overlapping another tensor's, or not spanning
 * exactly {@code numel * itemsize} bytes. Bytes of the data buffer that no tensor covers (gaps,
 * trailing bytes) are allowed and ignored. Unknown keys inside an entry are ignored.
 *
 * <h2>Writing</h2>
 * Tensors are written in the map's iteration order, packed without gaps, each in its own dtype
 * ({@code F32}, {@code I32} or {@code I64}); the header is padded with spaces to a multiple of 8
 * bytes, as the reference implementation does. The file is replaced atomically: the bytes go to
 * a temporary file in the same folder, which is forced to disk and then renamed over the target,
 * so a failure or crash leaves either the previous file or the complete new one, never a mix; on
 * failure the temporary file is deleted.
 */
public final class SafeTensors {
    private SafeTensors() {}

    /** Largest header accepted or written (100 MiB, the reference implementation's limit). */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    /** Key of the optional string-to-string metadata object in the header. */
    public static final String METADATA_KEY = "__metadata__";

    /** Bytes per read or write call; a multiple of every item size so no element straddles two. */
    private static final int CHUNK_BYTES = 1 << 20;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** One tensor as the header describes it; offsets are relative to the data buffer. */
    private record Entry(String name, DType dtype, int[] shape, int numel, long begin, long end) {}

    private record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {}

    /**
     * Reads every tensor of {@code file}, in header order.
     *
     * @return a new mutable map from tensor name to tensor, in the order of the file's header
     * @throws TensorFileException if the file is malformed (see the class description)
     * @throws IOException if the file cannot be read
     */
    public static Map<String, Tensor> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header header = readHeader(file, ch);
            long largest = 8;
            for (Entry e : header.entries()) {
                largest = Math.max(largest, e.end() - e.begin());
            }
            // Small files get a small buffer; rounded up to 8 so whole elements fit.
            int bufBytes = (int) Math.min(CHUNK_BYTES, (largest + 7) & ~7L);
            ByteBuffer buf = ByteBuffer.allocate(bufBytes).order(ByteOrder.LITTLE_ENDIAN);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Entry e : header.entries()) {
                out.put(e.name(), readTensor(file, ch, header.dataStart(), e, buf));
            }
            return out;
        }
    }

    /**
     * Reads only the {@code __metadata__} of {@code file}. The whole header is still checked.
     *
     * @return an unmodifiable map, empty if the file has no metadata
     * @throws TensorFileException if the file is malformed (see the class description)
     * @throws IOException if the file cannot be read
     */
    public static Map<String, String> readMetadata(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(file, ch).metadata();
        }
    }

    /**
     * Writes {@code tensors} to {@code file} with no metadata, replacing it atomically.
     *
     * @throws IllegalArgumentException if a name or tensor is null or a name is
     *     {@value #METADATA_KEY}; nothing is written then
     * @throws IOException if writing fails; {@code file} is then left as it was
     */
    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        write(file, tensors, Map.of());
    }

    /**
     * Writes {@code tensors} and the string {@code metadata} (e.g. {@code "format": "pt"}) to
     * {@code file}, replacing it atomically.
     *
     * @throws IllegalArgumentException if a name, tensor, key or value is null, or a tensor name
     *     is {@value #METADATA_KEY}; nothing is written then
     * @throws IOException if writing fails; {@code file} is then left as it was
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("file is null");
        }
        if (tensors == null) {
            throw new IllegalArgumentException("cannot write " + file + ": tensors is null");
        }
        if (metadata == null) {
            throw new IllegalArgumentException("cannot write " + file + ": metadata is null (use an empty map)");
        }
        // One pass over the caller's map, so the header and the data describe the same tensors
        // even if the map were changed while we write.
        List<Map.Entry<String, Tensor>> list = new ArrayList<>(tensors.size());
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null) {
                throw new IllegalArgumentException("cannot write " + file + ": a tensor name is null");
            }
            if (name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("cannot write " + file + ": '" + METADATA_KEY
                        + "' is reserved for metadata and cannot name a tensor");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("cannot write " + file + ": tensor '" + name + "' is null");
            }
            list.add(Map.entry(name, e.getValue()));
        }
        byte[] header = headerBytes(file, list, metadata);
        AtomicFiles.write(file, ch -> {
            ByteBuffer head = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(header.length).put(header).flip();
            writeFully(ch, head);
            ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (Map.Entry<String, Tensor> e : list) {
                e.getValue().writeElements(ch, buf);
            }
        });
    }

    // ---------------------------------------------------------------- writing

    private static byte[] headerBytes(Path file, List<Map.Entry<String, Tensor>> tensors, Map<String, String> metadata) {
        ObjectNode root = MAPPER.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA_KEY);
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                if (m.getKey() == null || m.getValue() == null) {
                    throw new IllegalArgumentException("cannot write " + file + ": metadata entry "
                            + m.getKey() + "=" + m.getValue() + " has a null key or value");
                }
                meta.put(m.getKey(), m.getValue());
            }
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors) {
            Tensor t = e.getValue();
            long bytes = t.numel() * t.dtype().byteSize();
            ObjectNode entry = root.putObject(e.getKey());
            entry.put("dtype", t.dtype().name());
            ArrayNode shape = entry.putArray("shape");
            for (int d : t.shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json;
        try {
            json = MAPPER.writeValueAsBytes(root);
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot serialize the header of " + file, e);
        }
        long padded = (json.length + 7L) & ~7L;
        if (padded > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("cannot write " + file + ": header would be " + padded
                    + " bytes, above the limit of " + MAX_HEADER_BYTES);
        }
        byte[] out = Arrays.copyOf(json, (int) padded);
        Arrays.fill(out, json.length, out.length, (byte) ' ');
        return out;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    // ---------------------------------------------------------------- reading

    private static Header readHeader(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new TensorFileException(file, "file has " + size
                    + " bytes, fewer than the 8 of the header length: not a safetensors file or truncated");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, lenBuf, 0, "the header length");
        long n = lenBuf.getLong(0);
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new TensorFileException(file, "header length " + Long.toUnsignedString(n)
                    + " is above the limit of " + MAX_HEADER_BYTES + " bytes: not a safetensors file or corrupt");
        }
        if (n > size - 8) {
            throw new TensorFileException(file, "header length " + n + " runs past the end of the file ("
                    + size + " bytes): truncated or corrupt");
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) n);
        readFully(file, ch, headerBuf, 8, "the header");
        headerBuf.flip();
        JsonNode root = parseJson(file, headerBuf);
        long dataStart = 8 + n;
        long dataLength = size - dataStart;

        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = Map.of();
        for (Map.Entry<String, JsonNode> p : root.properties()) {
            if (p.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(file, p.getValue());
            } else {
                entries.add(parseEntry(file, p.getKey(), p.getValue(), dataLength));
            }
        }
        checkNoOverlap(file, entries);
        return new Header(entries, metadata, dataStart);
    }

    private static JsonNode parseJson(Path file, ByteBuffer bytes) throws TensorFileException {
        // Decode strictly ourselves: the format says UTF-8, and Jackson would otherwise guess
        // UTF-16 or UTF-32 from the first bytes.
        CharBuffer text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes);
        } catch (CharacterCodingException e) {
            throw new TensorFileException(file, "header is not valid UTF-8", e);
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(text.toString());
        } catch (JacksonException e) {
            throw new TensorFileException(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || root.isMissingNode()) {
            throw new TensorFileException(file, "header is empty");
        }
        if (!root.isObject()) {
            throw new TensorFileException(file, "header is a JSON " + root.getNodeType().name().toLowerCase(Locale.ROOT)
                    + ", not an object");
        }
        return root;
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) throws TensorFileException {
        if (!node.isObject()) {
            throw new TensorFileException(file, "\"" + METADATA_KEY + "\" is not a JSON object");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> p : node.properties()) {
            if (!p.getValue().isTextual()) {
                throw new TensorFileException(file, "metadata value of '" + p.getKey() + "' is not a string");
            }
            meta.put(p.getKey(), p.getValue().textValue());
        }
        return Collections.unmodifiableMap(meta);
    }

    private static Entry parseEntry(Path file, String name, JsonNode node, long dataLength) throws TensorFileException {
        String what = "tensor '" + name + "'";
        if (!node.isObject()) {
            throw new TensorFileException(file, what + ": header entry is not a JSON object");
        }
        JsonNode dtypeNode = field(file, what, node, "dtype");
        if (!dtypeNode.isTextual()) {
            throw new TensorFileException(file, what + ": \"dtype\" is not a string");
        }
        DType dtype = dtypeOf(dtypeNode.textValue());
        if (dtype == null) {
            throw new TensorFileException(file, what + ": unsupported dtype '" + dtypeNode.textValue()
                    + "' (supported: " + Arrays.toString(DType.values()) + ")");
        }

        JsonNode shapeNode = field(file, what, node, "shape");
        if (!shapeNode.isArray()) {
            throw new TensorFileException(file, what + ": \"shape\" is not an array");
        }
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
                throw new TensorFileException(file, what + ": shape " + shapeNode
                        + " has dimension " + d + ", not an int >= 0");
            }
            shape[i] = d.intValue();
        }
        long numel = 1;
        for (int d : shape) {
            numel *= d; // cannot overflow: numel <= 2^31-1 and d < 2^31 before each step
            if (numel > Integer.MAX_VALUE) {
                if (Arrays.stream(shape).anyMatch(x -> x == 0)) {
                    numel = 0;
                    break;
                }
                throw new TensorFileException(file, what + ": shape " + Arrays.toString(shape)
                        + " has more than 2^31-1 elements, too many for one Java array");
            }
        }

        JsonNode offs = field(file, what, node, "data_offsets");
        if (!offs.isArray() || offs.size() != 2) {
            throw new TensorFileException(file, what + ": \"data_offsets\" is not an array [begin, end]");
        }
        for (JsonNode o : offs) {
            if (!o.isIntegralNumber() || !o.canConvertToLong() || o.longValue() < 0) {
                throw new TensorFileException(file, what + ": data_offsets " + offs
                        + " holds " + o + ", not an integer >= 0");
            }
        }
        long begin = offs.get(0).longValue();
        long end = offs.get(1).longValue();
        if (begin > end) {
            throw new TensorFileException(file, what + ": data_offsets [" + begin + ", " + end + "] begin after end");
        }
        if (end > dataLength) {
            throw new TensorFileException(file, what + ": data_offsets [" + begin + ", " + end
                    + "] end past the data buffer of " + dataLength + " bytes: truncated or corrupt");
        }
        long bytes = numel * dtype.byteSize();
        if (end - begin != bytes) {
            throw new TensorFileException(file, what + ": shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs " + bytes + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        return new Entry(name, dtype, shape, (int) numel, begin, end);
    }

    private static JsonNode field(Path file, String what, JsonNode node, String key) throws TensorFileException {
        JsonNode v = node.get(key);
        if (v == null) {
            throw new TensorFileException(file, what + ": header entry has no \"" + key + "\"");
        }
        return v;
    }

    private static DType dtypeOf(String s) {
        for (DType d : DType.values()) {
            if (d.name().equals(s)) {
                return d;
            }
        }
        return null;
    }

    private static void checkNoOverlap(Path file, List<Entry> entries) throws TensorFileException {
        List<Entry> byBegin = new ArrayList<>();
        for (Entry e : entries) {
            if (e.end() > e.begin()) { // empty ranges hold no bytes, so they cannot clash
                byBegin.add(e);
            }
        }
        byBegin.sort(Comparator.comparingLong(Entry::begin));
        for (int i = 1; i < byBegin.size(); i++) {
            Entry a = byBegin.get(i - 1);
            Entry b = byBegin.get(i);
            if (b.begin() < a.end()) {
                throw new TensorFileException(file, "tensors '" + a.name() + "' [" + a.begin() + ", " + a.end()
                        + ") and '" + b.name() + "' [" + b.begin() + ", " + b.end() + ") overlap in the data buffer");
            }
        }
    }

    private static Tensor readTensor(Path file, FileChannel ch, long dataStart, Entry e, ByteBuffer buf)
            throws IOException {
        int n = e.numel();
        int size = e.dtype().byteSize();
        float[] f = e.dtype().isFloating() ? new float[n] : null;
        long[] l = e.dtype().isFloating() ? null : new long[n];
        int per = buf.capacity() / size;
        long pos = dataStart + e.begin();
        for (int off = 0; off < n; off += per) {
            int k = Math.min(per, n - off);
            buf.clear().limit(k * size);
            readFully(file, ch, buf, pos, "tensor '" + e.name() + "'");
            pos += (long) k * size;
            buf.flip();
            switch (e.dtype()) {
                case F32 -> buf.asFloatBuffer().get(f, off, k);
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
                case BF16 -> {
                    for (int i = 0; i < k; i++) {
                        f[off + i] = Float.intBitsToFloat((buf.getShort(2 * i) & 0xFFFF) << 16);
                    }
                }
                case I32 -> {
                    for (int i = 0; i < k; i++) {
                        l[off + i] = buf.getInt(4 * i);
                    }
                }
                case I64 -> buf.asLongBuffer().get(l, off, k);
            }
        }
        return switch (e.dtype()) {
            case I32 -> Tensor.ofI32Longs(l, e.shape());
            case I64 -> Tensor.ofLongs(l, e.shape());
            default -> Tensor.of(f, e.shape());
        };
    }

    /** Reads until {@code b} is full; a file that ends first is reported, not waited for. */
    static void readFully(Path file, FileChannel ch, ByteBuffer b, long pos, String what) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) {
                throw new TensorFileException(file, "file ended at byte " + pos + " while reading " + what
                        + " (did it shrink while being read?)");
            }
            pos += r;
        }
    }
}
