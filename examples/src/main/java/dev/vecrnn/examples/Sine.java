package dev.vecrnn.examples;

import dev.vecrnn.io.SafeTensors;
import dev.vecrnn.io.Tensor;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.train.Dataset;
import dev.vecrnn.train.Fit;
import dev.vecrnn.train.Layout;
import dev.vecrnn.train.LossKind;
import dev.vecrnn.train.Model;
import dev.vecrnn.train.VectorApi;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The README's example: predict the next value of a noisy sine from the previous four with an
 * LSTM trained by {@code fit}, compare it with repeating the last value, and save the model.
 * Then it checks what the README promises (the model beats the baseline by half at least, and
 * reloads bit for bit) and writes the held-out windows with vecrnn's predictions to
 * {@code sine-check.safetensors}, for {@code pytorch/check_sine.py}. Exit status 1 if a check
 * fails. Files go to the working folder.
 */
public final class Sine {
    private Sine() {}

    public static void main(String[] args) throws IOException {
        System.out.println("vecrnn: " + VectorApi.status());
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

        double mse = model.evaluate(test);
        float[] windows = Arrays.copyOfRange(x, 1600 * T, n * T);
        float[] predicted = model.predict(windows, n - 1600, Layout.BATCH_FIRST);
        float[] reloaded = Model.load(Path.of("sine.safetensors")).predict(windows, n - 1600, Layout.BATCH_FIRST);
        boolean identical = Arrays.equals(predicted, reloaded);
        System.out.printf("reloaded model predicts bit for bit the same: %s; test MSE %.4f is %.1fx below "
                + "repeating the last value%n", identical, mse, repeatLast / mse);
        SafeTensors.write(Path.of("sine-check.safetensors"), Map.of("x", Tensor.of(windows, n - 1600, T, 1),
                "prediction", Tensor.of(predicted, n - 1600, 1)));
        if (!identical || !(mse < repeatLast / 2)) {
            System.err.println("example: a check failed (reloaded identical: " + identical + ", test MSE " + mse
                    + " against " + repeatLast + " for repeating the last value)");
            System.exit(1);
        }
    }
}
