package dev.vecrnn.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * The benchmarks' states built on the project's benchmark workload, called directly (JMH is not
 * run and nothing is timed): what one operation computes, and the parameter errors.
 */
class BenchmarkStateTest {

    @Test
    void rnnBenchStepIsTheWorkloadsStep() {
        RnnBench b = new RnnBench();
        b.cell = "gru";
        b.shape = "3x2x5x4";
        b.mode = "training";
        b.threads = "1";
        b.setUp();
        try {
            assertThat(b.step()).as("dL/dx [T, B, I]").hasSize(3 * 2 * 5);
        } finally {
            b.tearDown();
        }
        b.mode = "inference";
        b.setUp();
        try {
            assertThat(b.step()).as("out [T, B, H]").hasSize(3 * 2 * 4);
        } finally {
            b.tearDown();
        }
    }

    @Test
    void parameterErrorsNameTheParameter() {
        assertThatThrownBy(() -> BenchParams.threadCount("0")).hasMessageContaining("threads must be a positive integer or 'max'");
        assertThat(BenchParams.threadCount("max")).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThatThrownBy(() -> BenchParams.workload("lstm", "3x2x5", "training", "1")).hasMessageContaining("TxBxIxH");
        assertThatThrownBy(() -> BenchParams.workload("lstm", "3x2x5x4", "fast", "1")).hasMessageContaining("inference or training");
    }

    /**
     * Tiny data scales inputs and every parameter by 1e-20: a tanh RNN's pre-activations are then
     * the scaled biases (~1e-21) plus denormal products, so its outputs stay below 1e-18.
     */
    @Test
    void denormalBenchScalesTheWorkloadsData() {
        DenormalBench normal = denormal("normal");
        DenormalBench tiny = denormal("tiny");
        try {
            float[] big = normal.step().clone();
            float[] small = tiny.step();
            double maxNormal = 0;
            for (int i = 0; i < big.length; i++) {
                maxNormal = Math.max(maxNormal, Math.abs(big[i]));
                assertThat(Math.abs(small[i])).as("out[%d]", i).isLessThan(1e-18f);
            }
            assertThat(maxNormal).isGreaterThan(1e-3);
        } finally {
            normal.tearDown();
            tiny.tearDown();
        }
    }

    private static DenormalBench denormal(String data) {
        DenormalBench d = new DenormalBench();
        d.cell = "rnn_tanh";
        d.shape = "4x2x6x5";
        d.mode = "inference";
        d.data = data;
        d.threads = "1";
        d.setUp();
        return d;
    }

    /** A stream stepping through the frames gives the full-sequence pass's outputs, step by step. */
    @Test
    void streamBenchStepsAndTheFullSequenceAgree() {
        StreamBench.Model m = new StreamBench.Model();
        m.cell = "lstm";
        m.B = 1;
        m.I = 6;
        m.H = 5;
        m.threads = "1";
        m.setUp();
        StreamBench.Session s = new StreamBench.Session();
        s.setUp(m);
        try {
            StreamBench bench = new StreamBench();
            float[] full = bench.fullSequence(m, s).clone(); // [T, 1, H]
            assertThat(full).hasSize(StreamBench.T * m.H);
            for (int t = 0; t < StreamBench.CHUNK; t++) {
                float[] h = bench.step(m, s);
                for (int j = 0; j < m.H; j++) {
                    assertThat(h[j]).as("t=%d h[%d]", t, j).isCloseTo(full[t * m.H + j], within(1e-5f));
                }
            }
            float[] chunk = bench.chunk(m, s); // frames CHUNK .. 2·CHUNK-1
            for (int k = 0; k < StreamBench.CHUNK * m.H; k++) {
                assertThat(chunk[k]).as("chunk[%d]", k).isCloseTo(full[StreamBench.CHUNK * m.H + k], within(1e-5f));
            }
        } finally {
            s.tearDown();
        }
    }
}
