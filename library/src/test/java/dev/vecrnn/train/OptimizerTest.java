package dev.vecrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.vecrnn.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each optimizer against its update rule evaluated here in double for three steps on small
 * vectors with changing gradients (so momentum and running averages matter). The optimizers
 * compute in float; each element goes through a handful of float operations per step, so the
 * results agree to a few ulps of the values involved: the tolerance is 1e-6 relative to the
 * value's magnitude (about 8 float ulps), far below any formula mistake (a wrong bias correction
 * or eps placement changes results at the 1e-3 level or more with these numbers).
 */
class OptimizerTest {
    private static final double[][] GRADS = {
            {0.5, -1.25, 2.0, 1e-4, 0.0},
            {-0.25, 0.75, 1.5, -3e-4, 0.125},
            {1.0, 0.5, -2.5, 2e-4, -0.0625}};
    private static final double[] START = {0.1, -0.2, 0.3, 1.5, -0.7};
    private static final double[] START2 = {1.0, -2.0};

    private static Parameter param(String name, double[] values) {
        Parameter p = new Parameter(name, values.length);
        for (int i = 0; i < values.length; i++) {
            p.value()[i] = (float) values[i];
        }
        return p;
    }

    /** Sets the gradient of step s: p1 gets GRADS[s], p2 a scaled first part of it. */
    private static void setGrads(Parameter p1, Parameter p2, int s) {
        for (int i = 0; i < p1.size(); i++) {
            p1.grad()[i] = (float) GRADS[s][i];
        }
        for (int i = 0; i < p2.size(); i++) {
            p2.grad()[i] = (float) (3 * GRADS[s][i]);
        }
    }

    private static double[] floats(double[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (float) a[i];
        }
        return out;
    }

    private static void assertClose(Parameter p, double[] expected) {
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) p.value()[i]).as(p.name() + "[" + i + "]")
                    .isCloseTo(expected[i], within(1e-6 * Math.max(1, Math.abs(expected[i]))));
        }
    }

    /** The update rule of one optimizer for one element, in double, with its state. */
    private interface Rule {
        double apply(double p, double g, double[] state, int t);
    }

    private static void check(java.util.function.Function<List<Parameter>, Optimizer> make, Rule rule, int stateSize) {
        Parameter p1 = param("a", START);
        Parameter p2 = param("b", START2);
        Optimizer opt = make.apply(List.of(p1, p2));
        double[] e1 = floats(START);
        double[] e2 = floats(START2);
        double[][] s1 = new double[e1.length][stateSize];
        double[][] s2 = new double[e2.length][stateSize];
        for (int s = 0; s < GRADS.length; s++) {
            setGrads(p1, p2, s);
            opt.step();
            for (int i = 0; i < e1.length; i++) {
                e1[i] = rule.apply(e1[i], (float) GRADS[s][i], s1[i], s + 1);
            }
            for (int i = 0; i < e2.length; i++) {
                e2[i] = rule.apply(e2[i], (float) (3 * GRADS[s][i]), s2[i], s + 1);
            }
            assertClose(p1, e1);
            assertClose(p2, e2);
            assertThat(opt.steps()).isEqualTo(s + 1);
        }
    }

    @Test
    void plainSgd() {
        double lr = 0.1;
        check(ps -> new Sgd(ps, lr), (p, g, st, t) -> p - lr * g, 0);
    }

    @Test
    void sgdWithMomentumIsPyTorchsHeavyBall() {
        double lr = 0.05;
        double mu = 0.9;
        check(ps -> new Sgd(ps, lr, mu), (p, g, st, t) -> {
            st[0] = mu * st[0] + g;   // v = mu v + g (first step: v = g)
            return p - lr * st[0];
        }, 1);
    }

    @Test
    void rmsPropWithPyTorchDefaults() {
        double lr = 0.01;
        double alpha = 0.99;
        double eps = 1e-8;
        check(ps -> new RmsProp(ps, lr), (p, g, st, t) -> {
            st[0] = alpha * st[0] + (1 - alpha) * g * g;
            return p - lr * g / (Math.sqrt(st[0]) + eps);
        }, 1);
    }

    @Test
    void rmsPropWithLargeEpsShowsWhereEpsSits() {
        // eps = 0.1 is comparable to sqrt(v): eps inside the root would give visibly other values
        double lr = 0.02;
        double alpha = 0.9;
        double eps = 0.1;
        check(ps -> new RmsProp(ps, lr, alpha, eps), (p, g, st, t) -> {
            st[0] = alpha * st[0] + (1 - alpha) * g * g;
            return p - lr * g / (Math.sqrt(st[0]) + eps);
        }, 1);
    }

    @Test
    void adamWithBiasCorrection() {
        double lr = 0.01;
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-8;
        check(ps -> new Adam(ps, lr), (p, g, st, t) -> adam(p, g, st, t, lr, b1, b2, eps), 2);
    }

    @Test
    void adamWithLargeEpsShowsWhereEpsSits() {
        // eps outside the root and not bias-corrected, as PyTorch: with eps = 0.05 the other
        // placements differ from this one in the second or third digit
        double lr = 0.1;
        double b1 = 0.8;
        double b2 = 0.95;
        double eps = 0.05;
        check(ps -> new Adam(ps, lr, b1, b2, eps), (p, g, st, t) -> adam(p, g, st, t, lr, b1, b2, eps), 2);
    }

    private static double adam(double p, double g, double[] st, int t, double lr, double b1, double b2, double eps) {
        st[0] = b1 * st[0] + (1 - b1) * g;
        st[1] = b2 * st[1] + (1 - b2) * g * g;
        double bc1 = 1 - Math.pow(b1, t);
        double bc2 = 1 - Math.pow(b2, t);
        return p - lr / bc1 * st[0] / (Math.sqrt(st[1]) / Math.sqrt(bc2) + eps);
    }

    @Test
    void firstAdamStepMovesEveryNonzeroCoordinateByAboutLr() {
        // the classic property of bias correction: step 1 is lr * g / (|g| + eps), about lr in
        // size whatever the gradient's scale (eps only shows for tiny gradients)
        Parameter p = param("a", new double[] {0, 0, 0});
        p.grad()[0] = 1000f;
        p.grad()[1] = -0.001f;
        p.grad()[2] = 0f;
        new Adam(List.of(p), 0.01).step();
        // a few float roundings of a value near 0.01
        double tolerance = 4 * Math.ulp(0.01f);
        assertThat((double) p.value()[0]).isCloseTo(-0.01 * 1000 / (1000 + 1e-8), within(tolerance));
        assertThat((double) p.value()[1]).isCloseTo(0.01 * 0.001f / (0.001f + 1e-8), within(tolerance));
        assertThat(p.value()[2]).isZero();
    }

    @Test
    void integerPowersAreExactForSmallExponentsAndCloseForLargeOnes() {
        assertThat(Powers.pow(0.9, 0)).isEqualTo(1.0);
        assertThat(Powers.pow(0.9, 1)).isEqualTo(0.9);
        assertThat(Powers.pow(2, 10)).isEqualTo(1024.0);
        for (long n : new long[] {2, 3, 7, 100, 12345, 100_000}) {
            // relative error grows like n * 2^-53 (each squaring doubles it); Math.pow is within an ulp
            double exact = Math.pow(0.999, n);
            assertThat(Powers.pow(0.999, n)).isCloseTo(exact, within((n + 2) * 0x1p-53 * exact));
        }
        assertThatThrownBy(() -> Powers.pow(0.5, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void learningRateChangesApplyToTheNextStep() {
        Parameter p = param("a", new double[] {1});
        Sgd sgd = new Sgd(List.of(p), 0.5);
        p.grad()[0] = 1f;
        sgd.step();
        sgd.setLearningRate(0.25);
        sgd.step();
        assertThat(p.value()[0]).isEqualTo(0.25f);
        assertThat(sgd.learningRate()).isEqualTo(0.25);
    }

    @Test
    void exportedStateResumesTheExactSequence() {
        for (String kind : new String[] {"sgd", "rmsprop", "adam"}) {
            Parameter a = param("a", START);
            Parameter b = param("b", START2);
            Optimizer straight = make(kind, List.of(a, b));
            Parameter a2 = param("a", START);
            Parameter b2 = param("b", START2);
            Optimizer first = make(kind, List.of(a2, b2));
            for (int s = 0; s < 2; s++) {
                setGrads(a, b, s);
                straight.step();
                setGrads(a2, b2, s);
                first.step();
            }
            // a fresh optimizer on copies of the parameters, given the exported state
            Parameter a3 = param("a", new double[START.length]);
            Parameter b3 = param("b", new double[START2.length]);
            System.arraycopy(a2.value(), 0, a3.value(), 0, a3.size());
            System.arraycopy(b2.value(), 0, b3.value(), 0, b3.size());
            Optimizer resumed = make(kind, List.of(a3, b3));
            Map<String, float[]> snapshot = new LinkedHashMap<>();
            first.state().forEach((k, v) -> snapshot.put(k, v.clone()));
            resumed.loadState(snapshot, first.steps());
            setGrads(a, b, 2);
            straight.step();
            setGrads(a3, b3, 2);
            resumed.step();
            assertThat(a3.value()).as(kind).containsExactly(a.value());
            assertThat(b3.value()).as(kind).containsExactly(b.value());
        }
    }

    private static Optimizer make(String kind, List<Parameter> ps) {
        return switch (kind) {
            case "sgd" -> new Sgd(ps, 0.1, 0.9);
            case "rmsprop" -> new RmsProp(ps, 0.01);
            default -> new Adam(ps, 0.01);
        };
    }

    @Test
    void stateIsNamedLikePyTorch() {
        List<Parameter> ps = List.of(new Parameter("weight_hh_l0", 2, 2), new Parameter("head.bias", 1));
        assertThat(new Adam(ps, 0.1).state()).containsOnlyKeys(
                "exp_avg.weight_hh_l0", "exp_avg.head.bias", "exp_avg_sq.weight_hh_l0", "exp_avg_sq.head.bias");
        assertThat(new RmsProp(ps, 0.1).state()).containsOnlyKeys("square_avg.weight_hh_l0", "square_avg.head.bias");
        assertThat(new Sgd(ps, 0.1, 0.5).state()).containsOnlyKeys(
                "momentum_buffer.weight_hh_l0", "momentum_buffer.head.bias");
        assertThat(new Sgd(ps, 0.1).state()).isEmpty();
    }

    @Test
    void loadStateRejectsWrongBuffersAndChangesNothing() {
        Parameter p = new Parameter("w", 3);
        Adam adam = new Adam(List.of(p), 0.1);
        Map<String, float[]> missing = Map.of("exp_avg.w", new float[] {1, 2, 3});
        assertThatThrownBy(() -> adam.loadState(missing, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exp_avg_sq.w");
        Map<String, float[]> wrongSize = Map.of("exp_avg.w", new float[] {1, 2, 3}, "exp_avg_sq.w", new float[2]);
        assertThatThrownBy(() -> adam.loadState(wrongSize, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected 3 floats, got 2");
        Map<String, float[]> extra = Map.of("exp_avg.w", new float[3], "exp_avg_sq.w", new float[3],
                "momentum_buffer.w", new float[3]);
        assertThatThrownBy(() -> adam.loadState(extra, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("momentum_buffer.w");
        assertThat(adam.state().get("exp_avg.w")).containsOnly(0f);
        assertThat(adam.steps()).isZero();
    }

    @Test
    void rejectsBadHyperparameters() {
        List<Parameter> ps = List.of(new Parameter("w", 2));
        assertThatThrownBy(() -> new Sgd(ps, -0.1)).hasMessageContaining("learning rate");
        assertThatThrownBy(() -> new Sgd(ps, Double.NaN)).hasMessageContaining("learning rate");
        assertThatThrownBy(() -> new Sgd(ps, 0.1, 1.0)).hasMessageContaining("momentum");
        assertThatThrownBy(() -> new RmsProp(ps, 0.1, -0.5, 1e-8)).hasMessageContaining("alpha");
        assertThatThrownBy(() -> new Adam(ps, 0.1, 0.9, 1.0, 1e-8)).hasMessageContaining("beta2");
        assertThatThrownBy(() -> new Adam(ps, 0.1, 0.9, 0.999, -1)).hasMessageContaining("eps");
        assertThatThrownBy(() -> new Adam(List.of(), 0.1)).hasMessageContaining("non-empty");
        Parameter w = new Parameter("w", 2);
        assertThatThrownBy(() -> new Adam(List.of(w, new Parameter("w", 3)), 0.1)).hasMessageContaining("twice");
    }

    @Test
    void describesItself() {
        Optimizer adam = new Adam(List.of(new Parameter("w", 1)), 0.001);
        assertThat(adam.toString()).isEqualTo("adam(lr=0.001, betas=0.9,0.999, eps=1.0E-8)");
        assertThat(adam.kind()).isEqualTo("adam");
    }

    @Test
    void stepsAllocateNothing() {
        List<Parameter> ps = List.of(new Parameter("w", 37, 11), new Parameter("b", 37));
        for (Optimizer opt : new Optimizer[] {new Sgd(ps, 1e-3, 0.9), new RmsProp(ps, 1e-3), new Adam(ps, 1e-3)}) {
            assertThat(AllocationProbe.bytesAllocated(3000, 1000, opt::step)).as(opt.kind()).isLessThan(1024);
        }
    }
}
