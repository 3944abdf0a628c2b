package dev.vecrnn.train;

import dev.vecrnn.kernel.Blas1;
import dev.vecrnn.kernel.Sgemm;
import dev.vecrnn.nn.Parameter;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A fully connected head {@code y = W h + b} on rows of hidden states: {@code W [O, H]},
 * {@code b [O]}, applied to any number of rows at once, so one call covers the last time step
 * ({@code B} rows of {@code out[T, B, H]} starting at row {@code (T-1)*B}) or every step
 * ({@code T*B} rows). Parameter names and shapes follow PyTorch's {@code nn.Linear}:
 * {@code <name>.weight [O, H]}, {@code <name>.bias [O]}.
 *
 * <p>Forward and backward are each one or two SGEMMs; nothing is allocated after construction.
 * Not thread-safe (gradients accumulate into the parameters' {@code grad} arrays).
 */
public final class Dense {
    private final int inputSize;
    private final int outputSize;
    private final Parameter weight;
    private final Parameter bias;
    private final List<Parameter> parameters;

    /**
     * A head from {@code inputSize} (H) to {@code outputSize} (O) features, zero-initialised
     * (call {@link #initialize} or write the values).
     */
    public Dense(String name, int inputSize, int outputSize) {
        Args.positive("inputSize", inputSize);
        Args.positive("outputSize", outputSize);
        this.inputSize = inputSize;
        this.outputSize = outputSize;
        this.weight = new Parameter(name + ".weight", outputSize, inputSize);
        this.bias = new Parameter(name + ".bias", outputSize);
        this.parameters = List.of(weight, bias);
    }

    /** H. */
    public int inputSize() {
        return inputSize;
    }

    /** O. */
    public int outputSize() {
        return outputSize;
    }

    /** {@code W [O, H]}. */
    public Parameter weight() {
        return weight;
    }

    /** {@code b [O]}. */
    public Parameter bias() {
        return bias;
    }

    /** Weight then bias. */
    public List<Parameter> parameters() {
        return parameters;
    }

    /**
     * PyTorch's default for {@code nn.Linear}: every weight and bias uniform in
     * {@code [-1/sqrt(H), 1/sqrt(H)]}, drawn from {@code rng} (weight row-major, then bias).
     */
    public void initialize(RandomGenerator rng) {
        float bound = (float) (1.0 / Math.sqrt(inputSize));
        for (Parameter p : parameters) {
            float[] v = p.value();
            for (int i = 0; i < v.length; i++) {
                v[i] = rng.nextFloat(-bound, bound);
            }
        }
    }

    /** Zeroes the weight and bias gradients. */
    public void zeroGrad() {
        Arrays.fill(weight.grad(), 0f);
        Arrays.fill(bias.grad(), 0f);
    }

    /**
     * {@code y[r, :] = W h[r, :] + b} for {@code rows} rows.
     *
     * @param h {@code [rows, H]} with leading dimension {@code ldH}
     * @param y {@code [rows, O]} with leading dimension {@code ldY}, overwritten; must not overlap h
     */
    public void forward(int rows, float[] h, int offH, int ldH, float[] y, int offY, int ldY) {
        Args.positive("rows", rows);
        Args.matrix("h", h, offH, rows, inputSize, ldH);
        Args.matrix("y", y, offY, rows, outputSize, ldY);
        float[] b = bias.value();
        // Start every row from the bias so the GEMM accumulates onto it (beta = 1): no second pass.
        for (int r = 0; r < rows; r++) {
            System.arraycopy(b, 0, y, offY + r * ldY, outputSize);
        }
        Sgemm.sgemm(false, true, rows, outputSize, inputSize, 1f,
                h, offH, ldH, weight.value(), 0, inputSize, 1f, y, offY, ldY);
    }

    /**
     * Backward of {@link #forward} for the same rows: accumulates {@code dW += dYᵀ h} and
     * {@code db += sum_r dY[r, :]} into the parameters' gradients and writes
     * {@code dh = dY W} (overwriting {@code dh}).
     *
     * @param h  the forward input {@code [rows, H]}
     * @param dY {@code [rows, O]} gradient of the loss with respect to y
     * @param dh {@code [rows, H]} gradient with respect to h, overwritten; must not overlap dY
     */
    public void backward(int rows, float[] h, int offH, int ldH, float[] dY, int offDY, int ldDY,
                         float[] dh, int offDh, int ldDh) {
        Args.positive("rows", rows);
        Args.matrix("h", h, offH, rows, inputSize, ldH);
        Args.matrix("dY", dY, offDY, rows, outputSize, ldDY);
        Args.matrix("dh", dh, offDh, rows, inputSize, ldDh);
        // dW[O, H] += dY[rows, O]ᵀ · h[rows, H]
        Sgemm.sgemm(true, false, outputSize, inputSize, rows, 1f,
                dY, offDY, ldDY, h, offH, ldH, 1f, weight.grad(), 0, inputSize);
        Blas1.columnSums(rows, outputSize, dY, offDY, ldDY, bias.grad(), 0);
        // dh[rows, H] = dY[rows, O] · W[O, H]
        Sgemm.sgemm(false, false, rows, inputSize, outputSize, 1f,
                dY, offDY, ldDY, weight.value(), 0, inputSize, 0f, dh, offDh, ldDh);
    }
}
