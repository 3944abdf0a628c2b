package dev.vecrnn.nn;

import dev.vecrnn.mem.MemoryBudget;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters of a layer stack under PyTorch's names, with direct access to their values and
 * gradients by slot ({@link LayerConf#slot layer k, direction d}), and the one place where the
 * two bias vectors are folded into what the kernels add.
 */
final class LayerParameters {
    private static final String REVERSE = "_reverse";

    // values and gradients of layer k, direction d at slot k*D + d
    final float[][] wih;  // W_ih [G·H, in]
    final float[][] whh;  // W_hh [G·H, S]
    final float[][] bih;  // b_ih [G·H]
    final float[][] bhh;  // b_hh [G·H]
    final float[][] whr;  // W_hr [P, H]; null without projections
    final float[][] gWih;
    final float[][] gWhh;
    final float[][] gBih;
    final float[][] gBhh;
    final float[][] gWhr;
    /** All parameters in PyTorch's order. */
    final List<Parameter> list;
    final Map<String, Parameter> byName;

    LayerParameters(LayerConf conf) {
        checkHeap(conf);
        int slots = conf.slots;
        int gh = conf.gh;
        wih = new float[slots][];
        whh = new float[slots][];
        bih = new float[slots][];
        bhh = new float[slots][];
        gWih = new float[slots][];
        gWhh = new float[slots][];
        gBih = new float[slots][];
        gBhh = new float[slots][];
        whr = conf.projected ? new float[slots][] : null;
        gWhr = conf.projected ? new float[slots][] : null;
        List<Parameter> ps = new ArrayList<>(5 * slots);
        Map<String, Parameter> names = new LinkedHashMap<>();
        for (int k = 0; k < conf.layers; k++) {
            int in = conf.inputWidth(k);
            for (int d = 0; d < conf.directions; d++) {
                String suffix = k + (d == 1 ? REVERSE : "");
                Parameter pwi = new Parameter("weight_ih_l" + suffix, new int[] {gh, in}, new float[gh * in]);
                Parameter pwh = new Parameter("weight_hh_l" + suffix, new int[] {gh, conf.state},
                        new float[gh * conf.state]);
                Parameter pbi = new Parameter("bias_ih_l" + suffix, new int[] {gh}, new float[gh]);
                Parameter pbh = new Parameter("bias_hh_l" + suffix, new int[] {gh}, new float[gh]);
                for (Parameter p : new Parameter[] {pwi, pwh, pbi, pbh}) {
                    ps.add(p);
                    names.put(p.name(), p);
                }
                int s = conf.slot(k, d);
                if (conf.projected) {
                    // PyTorch's order: weight_hr_l{k} follows the biases of its direction
                    Parameter pwr = new Parameter("weight_hr_l" + suffix, new int[] {conf.proj, conf.hidden},
                            new float[conf.proj * conf.hidden]);
                    ps.add(pwr);
                    names.put(pwr.name(), pwr);
                    whr[s] = pwr.value();
                    gWhr[s] = pwr.grad();
                }
                wih[s] = pwi.value();
                whh[s] = pwh.value();
                bih[s] = pbi.value();
                bhh[s] = pbh.value();
                gWih[s] = pwi.grad();
                gWhh[s] = pwh.grad();
                gBih[s] = pbi.grad();
                gBhh[s] = pbh.grad();
            }
        }
        this.list = Collections.unmodifiableList(ps);
        this.byName = Collections.unmodifiableMap(names);
    }

    /**
     * Checks, before anything is allocated, that the values and gradients of every parameter fit
     * in the heap ({@link LayerConf} has checked that each fits in a Java array).
     *
     * @throws dev.vecrnn.mem.InsufficientMemoryException with the estimate and the {@code -Xmx} that would do
     */
    private static void checkHeap(LayerConf conf) {
        long floats = 0;
        for (int k = 0; k < conf.layers; k++) {
            long whr = conf.projected ? (long) conf.proj * conf.hidden : 0;
            floats += conf.directions * ((long) conf.gh * conf.inputWidth(k) + (long) conf.gh * conf.state
                    + 2L * conf.gh + whr);
        }
        // a value and a gradient of every parameter
        MemoryBudget.heap().check(2 * 4 * floats, conf.describe() + ": parameters and their gradients");
    }

    /**
     * Layer k's biases as the kernels add them: {@code bias[d·G·H + j] = b_ih + b_hh} for every
     * direction d, except GRU's n gate, whose b_hn sits inside {@code r * (W_hn h + b_hn)}: there
     * {@code bias} gets b_ih alone and {@code bhn[d·H + j]} gets b_hn ({@code bhn} null for other cells).
     */
    void foldBiases(LayerConf conf, int k, float[] bias, float[] bhn) {
        int gh = conf.gh;
        for (int d = 0; d < conf.directions; d++) {
            int s = conf.slot(k, d);
            float[] bi = bih[s];
            float[] bh = bhh[s];
            for (int j = 0; j < conf.foldedBias; j++) {
                bias[d * gh + j] = bi[j] + bh[j];
            }
            for (int j = conf.foldedBias; j < gh; j++) {
                bias[d * gh + j] = bi[j];
            }
            if (conf.gru) {
                System.arraycopy(bh, 2 * conf.hidden, bhn, d * conf.hidden, conf.hidden);
            }
        }
    }
}
