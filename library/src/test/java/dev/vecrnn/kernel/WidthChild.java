package dev.vecrnn.kernel;

import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.Parameter;
import dev.vecrnn.nn.RecurrentLayer;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * Run in a child JVM by {@link WidthIndependenceTest}: a training step (forward and backward)
 * of an LSTM, a GRU and a tanh RNN with the width the JVM was started with, then a few kernels
 * the training code calls directly, printed as one CRC-32 of every result bit, and the width.
 */
public final class WidthChild {
    private WidthChild() {}

    public static void main(String[] args) {
        CRC32 crc = new CRC32();
        int T = 5, B = 3, I = 13, H = 37;
        SplittableRandom rnd = new SplittableRandom(11);
        float[] x = random(rnd, T * B * I, 1.5);
        for (CellType cell : new CellType[] {CellType.LSTM, CellType.GRU, CellType.RNN_TANH}) {
            RecurrentLayer layer = RecurrentLayer.builder(cell, I, H).numLayers(2).bidirectional(cell == CellType.LSTM)
                    .seed(5).build();
            float[] dout = random(rnd, T * B * layer.outputSize(), 1);
            layer.zeroGrad();
            add(crc, layer.forward(x, T, B, null, null).out());
            add(crc, layer.backward(dout, null, null).dx());
            for (Parameter p : layer.parameters()) {
                add(crc, p.grad());
            }
        }
        float[] y = random(rnd, 20_000, 30);
        float[] e = new float[y.length];
        Activations.exp(y, 0, e, 0, y.length);
        add(crc, e);
        Activations.sigmoid(y, 0, e, 0, y.length);
        add(crc, e);
        Blas1.axpy(y.length, -0.3f, e, 0, y, 0);
        add(crc, y);
        double s = Blas1.sumSquares(y.length, y, 0) + Blas1.sumSquares(1021, y, 7);
        crc.update(Long.toString(Double.doubleToRawLongBits(s)).getBytes());
        System.out.println(Long.toHexString(crc.getValue()) + " " + VectorSupport.BITS);
    }

    private static float[] random(SplittableRandom rnd, int n, double bound) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextDouble(-bound, bound);
        }
        return a;
    }

    private static void add(CRC32 crc, float[] values) {
        for (float v : values) {
            int bits = Float.floatToRawIntBits(v);
            crc.update(bits);
            crc.update(bits >>> 8);
            crc.update(bits >>> 16);
            crc.update(bits >>> 24);
        }
    }
}
