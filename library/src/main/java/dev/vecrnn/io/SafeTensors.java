package dev.vecrnn.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vecrnn.mem.InsufficientMemoryException;
import dev.vecrnn.mem.MemoryBudget;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
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
 * stay integer tensors (see {@link Tensor#requireFloats} to refuse them where floats are meant).
 * Any other dtype is an error. The header is streamed, not built into a tree, and checked in full
 * before any tensor data is allocated, so an allocation never exceeds what the file's size allows;
 * then the bytes the tensors will take are checked against the heap ({@link MemoryBudget}) and a
 * file too large for it raises {@link InsufficientMemoryException} with the estimate and the
 * {@code -Xmx} that would do, before anything large is allocated. A malformed file raises
 * {@link TensorFileException} naming the file and the problem: file shorter than 8 bytes; header
 * length beyond the file or above {@link #MAX_HEADER_BYTES}; more than
 * {@link #MAX_HEADER_ENTRIES} entries; header not UTF-8, not JSON, not an object, or with
 * duplicate keys; an entry that is not an object or lacks {@code dtype}, {@code shape} or
 * {@code data_offsets}; an unsupported dtype; a dimension that is negative or not an int; more
 * than 64 dimensions; more than {@link Tensor#MAX_ELEMENTS} elements (the most one Java array
 * holds); offsets that are negative, reversed, past the data buffer, overlapping another
 * tensor's, or not spanning exactly {@code numel * itemsize} bytes. Bytes of the data buffer that
 * no tensor covers (gaps, trailing bytes) are allowed and ignored. Unknown keys inside an entry
 * are ignored.
 *
 * <h2>Writing</h2>
 * Tensors are written in the map's iteration order, packed without gaps, each in its own dtype
 * ({@code F32}, {@code I32} or {@code I64}); the header is padded with spaces to a multiple of 8
 * bytes, as the reference implementation does. The file is replaced atomically by
 * {@link AtomicFiles}: a failure or crash leaves either the previous file or the complete new one,
 * never a mix, and only a regular file (or nothing) is ever replaced — a directory, device or FIFO
 * at the path is an error.
 */
public final class SafeTensors {
    private SafeTensors() {}

    /** Largest header accepted or written (100 MiB, the reference implementation's limit). */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    /**
     * Most header entries (tensors plus metadata keys) accepted: far more than any model's state
     * dict has, and a bound on the memory a header can make the reader take.
     */
    public static final int MAX_HEADER_ENTRIES = 100_000;

    /** Key of the optional string-to-string metadata object in the header. */
    public static final String METADATA_KEY = "__metadata__";

    /** Bytes per read or write call; a multiple of every item size so no element straddles two. */
    private static final int CHUNK_BYTES = 1 << 20;

    /** Writes headers. */
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    /**
     * Reads headers as a stream of tokens; Jackson's default bounds on nesting and lengths apply.
     * Names are not canonicalized: tensor names are nearly all distinct, so a shared symbol table
     * would only grow with them (and refuses names whose hashes collide too often).
     */
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .build();

    /** One tensor as the header describes it; offsets are relative to the data buffer. */
    private record Entry(String name, DType dtype, int[] shape, int numel, long begin, long end) {}

    private record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {}

    /**
     * Reads every tensor of {@code file}, in header order.
     *
     * @return a new mutable map from tensor name to tensor, in the order of the file's header
     * @throws TensorFileException if the file is malformed (see the class description)
     * @throws InsufficientMemoryException if the tensors would not fit in the heap
     * @throws IOException if the file cannot be read
     */
    public static Map<String, Tensor> read(Path file) throws IOException {
        return read(file, ReadLimits.safeTensors());
    }

    static Map<String, Tensor> read(Path file, ReadLimits limits) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header header = readHeader(file, ch, limits);
            long largest = 8;
            long heapBytes = 0;
            for (Entry e : header.entries()) {
                largest = Math.max(largest, e.end() - e.begin());
                heapBytes += (long) e.numel() * (e.dtype().isFloating() ? Float.BYTES : Long.BYTES);
            }
            // Small files get a small buffer; rounded up to 8 so whole elements fit.
            int bufBytes = (int) Math.min(CHUNK_BYTES, (largest + 7) & ~7L);
            int count = header.entries().size();
            limits.memory().check(heapBytes + bufBytes, file + ": reading " + count + (count == 1 ? " tensor" : " tensors"));
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
            return readHeader(file, ch, ReadLimits.safeTensors()).metadata();
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
        if ((long) list.size() + metadata.size() > MAX_HEADER_ENTRIES) {
            throw new IllegalArgumentException("cannot write " + file + ": " + list.size() + " tensors and "
                    + metadata.size() + " metadata keys, more than the " + MAX_HEADER_ENTRIES + " entries a reader accepts");
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

    private static Header readHeader(Path file, FileChannel ch, ReadLimits limits) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new TensorFileException(file, "file has " + size
                    + " bytes, fewer than the 8 of the header length: not a safetensors file or truncated");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, lenBuf, 0, "the header length");
        long n = lenBuf.getLong(0);
        if (n < 0 || n > limits.maxHeaderBytes()) {
            throw new TensorFileException(file, "header length " + Long.toUnsignedString(n)
                    + " is above the limit of " + limits.maxHeaderBytes() + " bytes: not a safetensors file or corrupt");
        }
        if (n > size - 8) {
            throw new TensorFileException(file, "header length " + n + " runs past the end of the file ("
                    + size + " bytes): truncated or corrupt");
        }
        long dataStart = 8 + n;
        long dataLength = size - dataStart;
        // Streamed straight from the file: memory stays a few buffers plus one small record per
        // entry, whatever the header's size (a tree of a 100 MB header would take gigabytes).
        // Decoded strictly ourselves: the format says UTF-8, and Jackson would otherwise guess
        // UTF-16 or UTF-32 from the first bytes.
        Reader text = new InputStreamReader(new RegionInputStream(file, ch, 8, n), StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = Map.of();
        try (JsonParser p = JSON.createParser(text)) {
            JsonToken root = p.nextToken();
            if (root == null) {
                throw new TensorFileException(file, "header is empty");
            }
            if (root != JsonToken.START_OBJECT) {
                throw new TensorFileException(file, "header is a JSON " + kind(root) + ", not an object");
            }
            int count = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                countEntry(file, ++count, limits);
                p.nextToken();
                if (name.equals(METADATA_KEY)) {
                    metadata = parseMetadata(file, p, count, limits);
                    count += metadata.size();
                } else {
                    entries.add(parseEntry(file, name, p, dataLength, limits));
                }
            }
            JsonToken after = p.nextToken();
            if (after != null) {
                throw new TensorFileException(file, "header is not valid JSON: " + kind(after)
                        + " after the end of the object");
            }
        } catch (CharacterCodingException e) {
            throw new TensorFileException(file, "header is not valid UTF-8", e);
        } catch (JacksonException e) {
            throw new TensorFileException(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        checkNoOverlap(file, entries);
        return new Header(entries, metadata, dataStart);
    }

    private static void countEntry(Path file, int count, ReadLimits limits) throws TensorFileException {
        if (count > limits.maxHeaderEntries()) {
            throw new TensorFileException(file, "header has more than " + limits.maxHeaderEntries()
                    + " entries (tensors and metadata keys), the most this reader accepts: corrupt or not a model");
        }
    }

    /** What a token is, for messages: "array", "number", "string", ... */
    private static String kind(JsonToken t) {
        return switch (t) {
            case START_OBJECT -> "object";
            case START_ARRAY -> "array";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
            case VALUE_STRING -> "string";
            case VALUE_TRUE, VALUE_FALSE -> "boolean";
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name().toLowerCase(Locale.ROOT) : "'" + t.asString() + "'";
        };
    }

    /** The current value as written, or its kind for an array or object. */
    private static String text(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        return t == JsonToken.START_ARRAY || t == JsonToken.START_OBJECT ? "an " + kind(t) : p.getText();
    }

    private static Map<String, String> parseMetadata(Path file, JsonParser p, int count, ReadLimits limits)
            throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new TensorFileException(file, "\"" + METADATA_KEY + "\" is not a JSON object");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            countEntry(file, count + meta.size() + 1, limits);
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw new TensorFileException(file, "metadata value of '" + key + "' is not a string");
            }
            meta.put(key, p.getText());
        }
        return Collections.unmodifiableMap(meta);
    }

    private static Entry parseEntry(Path file, String name, JsonParser p, long dataLength, ReadLimits limits)
            throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new TensorFileException(file, what(name) + ": header entry is not a JSON object");
        }
        String dtypeName = null;
        int[] shape = null;
        long[] offsets = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            switch (field) {
                case "dtype" -> {
                    if (v != JsonToken.VALUE_STRING) {
                        throw new TensorFileException(file, what(name) + ": \"dtype\" is not a string");
                    }
                    dtypeName = p.getText();
                }
                case "shape" -> shape = parseShape(file, name, p, limits);
                case "data_offsets" -> offsets = parseOffsets(file, name, p);
                default -> p.skipChildren(); // unknown keys are allowed and ignored
            }
        }
        if (dtypeName == null) {
            throw new TensorFileException(file, what(name) + ": header entry has no \"dtype\"");
        }
        DType dtype = dtypeOf(dtypeName);
        if (dtype == null) {
            throw new TensorFileException(file, what(name) + ": unsupported dtype '" + dtypeName
                    + "' (supported: " + Arrays.toString(DType.values()) + ")");
        }
        if (shape == null) {
            throw new TensorFileException(file, what(name) + ": header entry has no \"shape\"");
        }
        int numel = limits.numel(file, name, shape);
        if (offsets == null) {
            throw new TensorFileException(file, what(name) + ": header entry has no \"data_offsets\"");
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw new TensorFileException(file, what(name) + ": data_offsets [" + begin + ", " + end + "] begin after end");
        }
        if (end > dataLength) {
            throw new TensorFileException(file, what(name) + ": data_offsets [" + begin + ", " + end
                    + "] end past the data buffer of " + dataLength + " bytes: truncated or corrupt");
        }
        long bytes = (long) numel * dtype.byteSize();
        if (end - begin != bytes) {
            throw new TensorFileException(file, what(name) + ": shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs " + bytes + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        return new Entry(name, dtype, shape, numel, begin, end);
    }

    private static int[] parseShape(Path file, String name, JsonParser p, ReadLimits limits) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new TensorFileException(file, what(name) + ": \"shape\" is not an array");
        }
        int[] dims = new int[4];
        int rank = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT || p.getIntValue() < 0) {
                throw new TensorFileException(file, what(name) + ": \"shape\" has dimension " + text(p)
                        + ", not an int >= 0 (axis " + rank + ")");
            }
            if (rank == limits.maxRank()) {
                throw new TensorFileException(file, what(name) + ": \"shape\" has more than " + limits.maxRank()
                        + " dimensions");
            }
            if (rank == dims.length) {
                dims = Arrays.copyOf(dims, 2 * rank);
            }
            dims[rank++] = p.getIntValue();
        }
        return Arrays.copyOf(dims, rank);
    }

    private static long[] parseOffsets(Path file, String name, JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw notPair(file, name);
        }
        long[] offsets = new long[2];
        int i = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (i == 2) {
                throw notPair(file, name);
            }
            boolean isLong = t == JsonToken.VALUE_NUMBER_INT && (p.getNumberType() == JsonParser.NumberType.INT
                    || p.getNumberType() == JsonParser.NumberType.LONG);
            if (!isLong || p.getLongValue() < 0) {
                throw new TensorFileException(file, what(name) + ": \"data_offsets\" holds " + text(p)
                        + ", not an integer >= 0");
            }
            offsets[i++] = p.getLongValue();
        }
        if (i != 2) {
            throw notPair(file, name);
        }
        return offsets;
    }

    private static TensorFileException notPair(Path file, String name) {
        return new TensorFileException(file, what(name) + ": \"data_offsets\" is not an array [begin, end]");
    }

    /** How messages name a tensor; built only when one is thrown. */
    private static String what(String name) {
        return "tensor '" + name + "'";
    }

    private static final DType[] DTYPES = DType.values();

    private static DType dtypeOf(String s) {
        for (DType d : DTYPES) {
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

    /** The bytes {@code [start, start + length)} of a file, read with positional reads. */
    private static final class RegionInputStream extends InputStream {
        private final Path file;
        private final FileChannel ch;
        private long pos;
        private final long end;

        RegionInputStream(Path file, FileChannel ch, long start, long length) {
            this.file = file;
            this.ch = ch;
            this.pos = start;
            this.end = start + length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (pos >= end) {
                return -1;
            }
            int n = (int) Math.min(len, end - pos);
            int r = ch.read(ByteBuffer.wrap(b, off, n), pos);
            if (r < 0) {
                throw new TensorFileException(file, "file ended at byte " + pos
                        + " while reading the header (did it shrink while being read?)");
            }
            pos += r;
            return r;
        }
    }
}
