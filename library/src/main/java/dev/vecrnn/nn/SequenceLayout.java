package dev.vecrnn.nn;

import java.util.Arrays;

/**
 * The row layout of a pass over a variable-length batch: lengths turned into row segments.
 *
 * <p>Sequences are sorted by descending length (stable): sorted row i is the caller's sequence
 * {@code order[i]}. Step t has {@code active[t]} live rows, the prefix {@code 0..active[t]-1},
 * stored as "packed" rows {@code rowStart[t] .. rowStart[t] + active[t] - 1}; the pass has
 * {@code rows = Σ lengths} rows in all. Without lengths (or all lengths T) the layout is the
 * caller's own: {@code order} the identity, {@code rowStart[t] = t*B}.
 *
 * <h2>State rows</h2>
 * h (and, in training, c) of a layer live in {@code [B + rows + (D-1)·B, ·]} buffers: rows
 * {@code 0..B-1} hold the forward direction's initial states, row {@code B + rowStart[t] + i}
 * step t's state of sorted row i, and rows {@code B + rows + i} the reverse direction's initial
 * states. The forward direction's previous state for step t is step t-1's row (or the initial
 * block at t = 0). The reverse direction's is step t+1's row for the first
 * {@link #continuingRows} rows, and the initial block for the rows whose sequence starts at step t:
 * two segments of rows.
 */
final class SequenceLayout {
    /** Sorted row i is the caller's sequence order[i]. */
    int[] order = new int[0];
    /** Length of sorted row i. */
    int[] seqLength = new int[0];
    /** [T+1]: active[t] = #{b : length_b > t}, the live rows of step t. */
    int[] active = new int[0];
    /** [T+1]: rowStart[t] = active[0] + ... + active[t-1]. */
    int[] rowStart = new int[0];
    private int[] lengthCounts = new int[0];
    /** Whether some sequence is shorter than T, so the rows are not the caller's. */
    boolean packed;
    int T;
    int B;
    /** Steps that have any live row: the longest length. */
    int steps;
    /** Real rows {@code N = Σ lengths}. */
    int rows;

    /** Rejects lengths of the wrong count or outside [1, T]. */
    static void checkLengths(int[] lengths, int T, int B) {
        if (lengths == null) {
            return;
        }
        if (lengths.length != B) {
            throw new IllegalArgumentException("lengths: expected one length per sequence, B = " + B + " entries, got "
                    + lengths.length);
        }
        for (int b = 0; b < B; b++) {
            int len = lengths[b];
            if (len < 1 || len > T) {
                throw new IllegalArgumentException("lengths[" + b + "] = " + len + " is outside [1, T] = [1, " + T + "]");
            }
        }
    }

    /**
     * Sets the layout of a pass: the batch sorted by descending length (a stable counting sort, so
     * ties keep the caller's order and the layout is a pure function of the lengths), the live rows
     * per step and where each step's rows start. Allocates only when T or B grow.
     */
    void set(int T, int B, int[] lengths) {
        boolean full = true;
        if (lengths != null) {
            for (int len : lengths) {
                full &= len == T;
            }
        }
        if (full && !packed && T == this.T && B == this.B) {
            return; // the same full layout as the last pass (a stream's every step)
        }
        if (order.length < B) {
            order = new int[B];
            seqLength = new int[B];
        }
        if (active.length < T + 1) {
            active = new int[T + 1];
            rowStart = new int[T + 1];
            lengthCounts = new int[T + 1];
        }
        this.T = T;
        this.B = B;
        if (full) {
            for (int b = 0; b < B; b++) {
                order[b] = b;
                seqLength[b] = T;
            }
        } else {
            int[] start = lengthCounts;
            Arrays.fill(start, 0, T + 1, 0);
            for (int b = 0; b < B; b++) {
                start[lengths[b]]++;
            }
            int pos = 0;
            for (int len = T; len >= 1; len--) {
                int c = start[len];
                start[len] = pos;
                pos += c;
            }
            for (int b = 0; b < B; b++) {
                int p = start[lengths[b]]++;
                order[p] = b;
                seqLength[p] = lengths[b];
            }
        }
        int live = B;
        rowStart[0] = 0;
        for (int t = 0; t <= T; t++) {
            while (live > 0 && seqLength[live - 1] <= t) {
                live--;
            }
            active[t] = live;
            if (t < T) {
                rowStart[t + 1] = rowStart[t] + live;
            }
        }
        packed = !full;
        steps = seqLength[0];
        rows = rowStart[T];
    }

    /** Rows of step t, direction d, whose previous state is a row of another step (the first ones). */
    int continuingRows(int d, int t) {
        return d == 0 ? active[t] : active[t + 1];
    }

    /** The state row of the previous state of step t's row 0 (forward: step t-1 or the initial block; reverse: step t+1). */
    int previousBase(int d, int t) {
        return d == 0 ? (t == 0 ? 0 : B + rowStart[t - 1]) : B + rowStart[t + 1];
    }

    /** The first state row of the reverse direction's initial states. */
    int reverseInitialBase() {
        return B + rows;
    }

    /** State rows of a layer: the initial block, every step's row, the reverse initial block. */
    int stateRows(int directions) {
        return B + rows + (directions - 1) * B;
    }

    /**
     * Copies the real rows of a caller-layout {@code [T, B, width]} tensor into the pass's row
     * order (step t's sorted row i at row {@code rowStart[t] + i}).
     */
    void packRows(float[] src, float[] dst, int width) {
        if (!packed) {
            System.arraycopy(src, 0, dst, 0, rows * width);
            return;
        }
        for (int t = 0; t < steps; t++) {
            for (int i = 0; i < active[t]; i++) {
                System.arraycopy(src, (t * B + order[i]) * width, dst, (rowStart[t] + i) * width, width);
            }
        }
    }

    /** The inverse of {@link #packRows}, from {@code src} at {@code srcOff}; zero past each sequence's end. */
    void unpackRows(float[] src, int srcOff, float[] dst, int width) {
        if (!packed) {
            System.arraycopy(src, srcOff, dst, 0, rows * width);
            return;
        }
        Arrays.fill(dst, 0, T * B * width, 0f);
        for (int t = 0; t < steps; t++) {
            for (int i = 0; i < active[t]; i++) {
                System.arraycopy(src, srcOff + (rowStart[t] + i) * width, dst, (t * B + order[i]) * width, width);
            }
        }
    }

    /**
     * Layer k's initial states from {@code init} ({@code [D*L, B, width]}, caller order; null =
     * zeros) into a {@code [·, D*width]} buffer: direction 0 in rows {@code 0..B-1}, direction 1 in
     * rows {@code reverseBase + i}, each in its own columns, by sorted row. The width is S for h,
     * H for c ({@code cells}).
     */
    void loadStates(float[] dst, int reverseBase, float[] init, int k, LayerConf conf, boolean cells) {
        final int width = cells ? conf.hidden : conf.state;
        final int rowWidth = cells ? conf.dh : conf.ds;
        final int directions = conf.directions;
        for (int d = 0; d < directions; d++) {
            int base = d == 0 ? 0 : reverseBase;
            for (int i = 0; i < B; i++) {
                int off = (base + i) * rowWidth + d * width;
                if (init == null) {
                    Arrays.fill(dst, off, off + width, 0f);
                } else {
                    System.arraycopy(init, (conf.slot(k, d) * B + order[i]) * width, dst, off, width);
                }
            }
        }
    }

    /**
     * Layer k's final states into {@code dst} ({@code [D*L, B, width]}, caller order). With
     * {@code perStep}, {@code src} holds the state rows (see the class comment) and each sequence's
     * final state is its own last step's row (the reverse direction's is step 0's); otherwise
     * {@code src} holds one row per sorted sequence. The width is S for h, H for c ({@code cells}).
     */
    void storeStates(float[] src, boolean perStep, float[] dst, int k, LayerConf conf, boolean cells) {
        final int width = cells ? conf.hidden : conf.state;
        final int rowWidth = cells ? conf.dh : conf.ds;
        final int directions = conf.directions;
        for (int d = 0; d < directions; d++) {
            for (int i = 0; i < B; i++) {
                int row = !perStep ? i : d == 0 ? B + rowStart[seqLength[i] - 1] + i : B + i;
                System.arraycopy(src, row * rowWidth + d * width, dst, (conf.slot(k, d) * B + order[i]) * width,
                        width);
            }
        }
    }
}
