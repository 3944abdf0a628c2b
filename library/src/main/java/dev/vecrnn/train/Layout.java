package dev.vecrnn.train;

/**
 * How the sequences of a data set sit in one flat array of {@code count} sequences of
 * {@code seqLen} steps with {@code features} values per step.
 *
 * <p>The recurrent layers compute time-major ({@link #TIME_MAJOR}); a data set or a prediction
 * given batch-first is gathered into that order batch by batch, so neither layout costs a copy of
 * the whole data.
 */
public enum Layout {
    /**
     * {@code [count, seqLen, features]}: sequence {@code n}'s step {@code t} at
     * {@code (n*seqLen + t)*features}, as NumPy arrays of samples usually are (PyTorch's
     * {@code batch_first=True}, Keras).
     */
    BATCH_FIRST,
    /**
     * {@code [seqLen, count, features]}: step {@code t} of sequence {@code n} at
     * {@code (t*count + n)*features}, the engine's own layout (PyTorch's default).
     */
    TIME_MAJOR;

    /** Index of the first feature of sequence {@code n}, step {@code t}. */
    int offset(int n, int t, int count, int seqLen, int features) {
        return this == BATCH_FIRST ? (n * seqLen + t) * features : (t * count + n) * features;
    }

    /**
     * Copies {@code rows} whole sequences into {@code dst} as time-major {@code [seqLen, rows, features]}:
     * sequence {@code r} of {@code dst} is sequence {@code index[from + r]} of {@code src} (or
     * {@code from + r} when {@code index} is null), {@code src} holding {@code count} sequences
     * in this layout, of which the first {@code first} are skipped.
     */
    void gather(float[] src, int first, int count, int seqLen, int features, int[] index, int from, int rows,
                float[] dst) {
        for (int r = 0; r < rows; r++) {
            int n = first + (index == null ? from + r : index[from + r]);
            for (int t = 0; t < seqLen; t++) {
                System.arraycopy(src, offset(n, t, count, seqLen, features), dst, (t * rows + r) * features, features);
            }
        }
    }

    /** {@link #gather} for integer values (class labels, one per step). */
    void gather(int[] src, int first, int count, int seqLen, int[] index, int from, int rows, int[] dst) {
        for (int r = 0; r < rows; r++) {
            int n = first + (index == null ? from + r : index[from + r]);
            for (int t = 0; t < seqLen; t++) {
                dst[t * rows + r] = src[offset(n, t, count, seqLen, 1)];
            }
        }
    }

    /**
     * The inverse of a contiguous {@link #gather}: writes time-major {@code src [seqLen, rows, features]}
     * as sequences {@code firstRow .. firstRow+rows-1} of {@code dst}, which holds {@code count}
     * sequences in this layout.
     */
    void scatter(float[] src, int rows, int seqLen, int features, float[] dst, int count, int firstRow) {
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < seqLen; t++) {
                System.arraycopy(src, (t * rows + r) * features, dst,
                        offset(firstRow + r, t, count, seqLen, features), features);
            }
        }
    }
}
