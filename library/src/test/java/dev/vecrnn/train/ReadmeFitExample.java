package dev.vecrnn.train;

import dev.vecrnn.nn.CellType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The README's training example as a program, run by {@link ReadmeFitExampleTest} in a child JVM
 * whose working folder is a temporary one (the example saves {@code sine.safetensors} where it
 * runs). After the example it prints what the test checks.
 */
public final class ReadmeFitExample {
    private ReadmeFitExample() {}

    public static void main(String[] args) throws IOException {
        // example:start
        java.util.Random random = new java.util.Random(1);              // a noisy sine, period 21 steps
        int n = 2000, T = 4;
        float[] series = new float[n + T];
        for (int t = 0; t < series.length; t++) series[t] = (float) (Math.sin(0.3 * t) + 0.1 * random.nextGaussian());
        float[] x = new float[n * T], y = new float[n];                 // windows of 4 values, batch-first: x[s][t] at s*T + t
        for (int s = 0; s < n; s++) {
            System.arraycopy(series, s, x, s * T, T);
            y[s] = series[s + T];                                        // and the value after each
        }
        Dataset data = Dataset.of(LossKind.MSE_LAST, Layout.BATCH_FIRST, n, T, x, y);
        Dataset train = data.subset(0, 1600), test = data.subset(1600, n);

        Model model = Model.builder(CellType.LSTM, 1, 32).seed(1).build();   // LSTM(1 -> 32) + Linear(32 -> 1), MSE at the last step
        model.fit(train, Fit.epochs(100).batchSize(32).learningRate(0.01).seed(2)
                .validationSplit(0.1).patience(10).onEpoch(System.out::println));

        double repeatLast = 0;                                           // the baseline: predict x[t+4] = x[t+3]
        for (int s = 1600; s < n; s++) repeatLast += Math.pow(x[s * T + T - 1] - y[s], 2) / (n - 1600);
        System.out.printf("test MSE %.4f, repeating the last value %.4f%n", model.evaluate(test), repeatLast);
        model.save(Path.of("sine.safetensors"));                         // nn.LSTM names + head.weight, head.bias
        // example:end

        float[] windows = Arrays.copyOfRange(x, 1600 * T, n * T);
        float[] before = model.predict(windows, n - 1600, Layout.BATCH_FIRST);
        float[] after = Model.load(Path.of("sine.safetensors")).predict(windows, n - 1600, Layout.BATCH_FIRST);
        System.out.println("reloaded predictions identical: " + Arrays.equals(before, after));
    }
}
