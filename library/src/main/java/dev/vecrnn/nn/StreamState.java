package dev.vecrnn.nn;

import java.util.Arrays;

/**
 * A stream's recurrent state: per layer h {@code [B, S]} and, for an LSTM, c {@code [B, H]},
 * each with kernel slack past its end, and their copies in and out of the caller's
 * {@code [L, B, ·]} tensors.
 */
final class StreamState {
    private final LayerConf conf;
    private final int batch;
    /** Per layer: the hidden state {@code [B, S]}. */
    final float[][] h;
    /** Team path: per layer the state after the running call {@code [B, S]}, then swapped with {@link #h}. */
    final float[][] hNext;
    /** Per layer: the cell state {@code [B, H]} (LSTM), updated in place; else null. */
    final float[][] c;

    StreamState(LayerConf conf, int batch, boolean team) {
        this.conf = conf;
        this.batch = batch;
        final int slack = PassBuffers.KERNEL_SLACK;
        h = new float[conf.layers][batch * conf.state + slack];
        hNext = team ? new float[conf.layers][batch * conf.state + slack] : null;
        c = conf.lstm ? new float[conf.layers][batch * conf.hidden + slack] : null;
    }

    /** After a team call: the states the members wrote become the state. */
    void swap() {
        for (int k = 0; k < h.length; k++) {
            float[] before = h[k];
            h[k] = hNext[k];
            hNext[k] = before;
        }
    }

    /** Copies {@code hIn [L, B, S]} and {@code cIn [L, B, H]} in; null means zeros. */
    void set(float[] hIn, float[] cIn) {
        int bs = batch * conf.state;
        int bh = batch * conf.hidden;
        for (int k = 0; k < h.length; k++) {
            copyOrZero(hIn, k * bs, h[k], bs);
            if (c != null) {
                copyOrZero(cIn, k * bh, c[k], bh);
            }
        }
    }

    /** Copies the state out to {@code hOut [L, B, S]} and {@code cOut [L, B, H]}, each unless null. */
    void copyTo(float[] hOut, float[] cOut) {
        int bs = batch * conf.state;
        int bh = batch * conf.hidden;
        for (int k = 0; k < h.length; k++) {
            if (hOut != null) {
                System.arraycopy(h[k], 0, hOut, k * bs, bs);
            }
            if (cOut != null) {
                System.arraycopy(c[k], 0, cOut, k * bh, bh);
            }
        }
    }

    /** Rejects a state tensor of the wrong size: h-shaped ({@code [L, B, S]}) or, with {@code cells}, {@code [L, B, H]}. */
    void check(String name, float[] a, boolean cells) {
        int width = cells ? conf.hidden : conf.state;
        long n = (long) h.length * batch * width;
        if (a != null && a.length != n) {
            String dims = cells || !conf.projected ? "[L, B, H]" : "[L, B, P]";
            throw new IllegalArgumentException(name + ": expected shape " + dims + " = [" + h.length + ", " + batch
                    + ", " + width + "] (" + n + " floats) or null, got " + a.length + " floats");
        }
    }

    /**
     * Rejects a cell-state argument that this state cannot take: checks its size for an LSTM,
     * and that it is null for the other cells.
     */
    void checkCells(String name, float[] a) {
        if (c != null) {
            check(name, a, true);
        } else if (a != null) {
            throw new IllegalArgumentException(name + ": only an lstm has a cell state; pass null for "
                    + conf.cell.cliName());
        }
    }

    private static void copyOrZero(float[] src, int off, float[] dst, int n) {
        if (src == null) {
            Arrays.fill(dst, 0, n, 0f);
        } else {
            System.arraycopy(src, off, dst, 0, n);
        }
    }
}
