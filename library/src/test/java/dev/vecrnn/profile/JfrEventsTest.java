package dev.vecrnn.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.Parameter;
import dev.vecrnn.nn.RecurrentLayer;
import dev.vecrnn.train.Adam;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The vecrnn.* JFR events: a tiny forward, backward, optimizer step and inference inside a
 * recording, dumped and parsed back; names, categories, shape fields and flops against the
 * formulas written out here independently of {@link LayerProbe}. Then the allocation cost: with
 * a recording, a step allocates a bounded handful of events that does not grow with T; without,
 * nothing.
 */
class JfrEventsTest {
    @TempDir
    Path tmp;

    private static final int T = 5, B = 3, I = 7, H = 11, L = 2;

    private static float[] uniform(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextDouble(-1, 1);
        }
        return a;
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"LSTM", "GRU", "RNN_TANH"})
    void eventsCarryNamesShapesAndExactFlops(CellType cell) throws Exception {
        SplittableRandom rnd = new SplittableRandom(4);
        float[] x = uniform(rnd, T * B * I);
        float[] dout = uniform(rnd, T * B * H);
        Path file = tmp.resolve("events.jfr");
        long elements;
        try (ThreadTeam team = new ThreadTeam(1); Recording r = new Recording()) {
            RecurrentLayer layer = RecurrentLayer.builder(cell, I, H).numLayers(L).seed(1).threads(team).build();
            Adam adam = new Adam(layer.parameters(), 1e-3);
            elements = layer.parameters().stream().mapToLong(Parameter::size).sum();
            Profiling.enableAll(r);
            r.start();
            layer.forward(x, T, B, null, null);
            layer.backward(dout, null, null);
            adam.step();
            layer.infer(x, T, B, null, null);
            r.stop();
            r.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().startsWith("vecrnn.")).toList();
        Set<String> names = events.stream().map(e -> e.getEventType().getName()).collect(Collectors.toCollection(TreeSet::new));
        assertThat(names).containsExactlyInAnyOrder("vecrnn.InputProjection", "vecrnn.RecurrentGemm",
                "vecrnn.GatePointwise", "vecrnn.BackwardPointwise", "vecrnn.WeightGradientGemm", "vecrnn.WeightPacking",
                "vecrnn.TimeLoop", "vecrnn.Pass", "vecrnn.OptimizerStep");
        for (RecordedEvent e : events) {
            assertThat(e.getEventType().getCategoryNames()).as(e.getEventType().getName()).containsExactly("vecrnn");
            assertThat(e.getEventType().getLabel()).as(e.getEventType().getName()).isNotBlank();
            assertThat(e.getLong("time")).as("time of " + e.getEventType().getName()).isGreaterThanOrEqualTo(0);
        }

        long G = cell.gates();
        long gh = G * H;
        long fwdTotal = 0;
        long bwdTotal = 0;
        for (int k = 0; k < L; k++) {
            long in = k == 0 ? I : H;
            for (String pass : List.of("forward", "infer")) {
                RecordedEvent p = one(events, "vecrnn.InputProjection", pass, k);
                assertThat(p.getString("cell")).isEqualTo(cell.cliName());
                assertThat(p.getInt("steps")).isEqualTo(T);
                assertThat(p.getInt("batch")).isEqualTo(B);
                assertThat(p.getInt("rows")).isEqualTo(T * B);
                assertThat(p.getInt("hiddenSize")).isEqualTo(H);
                assertThat(p.getInt("inputSize")).isEqualTo(in);
                assertThat(p.getInt("gates")).isEqualTo(G);
                assertThat(p.getInt("directions")).isEqualTo(1);
                assertThat(new long[] {p.getInt("m"), p.getInt("n"), p.getInt("k")}).containsExactly(T * B, gh, in);
                assertThat(p.getLong("flops")).isEqualTo(2L * T * B * gh * in);
                // a contiguous phase: the time in phase is the event's own span
                assertThat(p.getLong("time")).isLessThanOrEqualTo(p.getDuration().toNanos() + 1000);

                RecordedEvent g = one(events, "vecrnn.RecurrentGemm", pass, k);
                assertThat(new long[] {g.getInt("m"), g.getInt("n"), g.getInt("k")}).containsExactly(B, gh, H);
                assertThat(g.getLong("flops")).isEqualTo(2L * T * B * gh * H);
                assertThat(one(events, "vecrnn.GatePointwise", pass, k).getLong("flops")).isZero();
                assertThat(one(events, "vecrnn.TimeLoop", pass, k).getLong("flops")).isZero();
            }
            fwdTotal += 2L * T * B * gh * (in + H);
            RecordedEvent gb = one(events, "vecrnn.RecurrentGemm", "backward", k);
            assertThat(new long[] {gb.getInt("m"), gb.getInt("n"), gb.getInt("k")}).containsExactly(B, H, gh);
            assertThat(gb.getLong("flops")).isEqualTo(2L * T * B * gh * H);
            assertThat(one(events, "vecrnn.BackwardPointwise", "backward", k).getLong("flops")).isZero();
            // dW_hh [GH, H] over T·B rows, dW_ih [GH, in], dX [T·B, in] over GH
            long wg = 2L * gh * H * T * B + 2L * gh * in * T * B + 2L * T * B * in * gh;
            assertThat(one(events, "vecrnn.WeightGradientGemm", "backward", k).getLong("flops")).isEqualTo(wg);
            bwdTotal += 2L * T * B * gh * H + wg;
        }
        assertThat(bwdTotal).as("backward = 2x forward").isEqualTo(2 * fwdTotal);
        assertThat(onePass(events, "forward").getLong("flops")).isEqualTo(fwdTotal);
        assertThat(onePass(events, "infer").getLong("flops")).isEqualTo(fwdTotal);
        assertThat(onePass(events, "backward").getLong("flops")).isEqualTo(bwdTotal);
        assertThat(onePass(events, "backward").getInt("layers")).isEqualTo(L);

        List<RecordedEvent> opt = events.stream().filter(e -> e.getEventType().getName().equals("vecrnn.OptimizerStep")).toList();
        assertThat(opt).hasSize(1);
        assertThat(opt.get(0).getString("optimizer")).isEqualTo("adam");
        assertThat(opt.get(0).getLong("elements")).isEqualTo(elements);
        assertThat(opt.get(0).getInt("parameters")).isEqualTo(4 * L);
        // packing: W_ih + W_hh once per layer forward and infer, W_hh and W_ih separately backward
        assertThat(events.stream().filter(e -> e.getEventType().getName().equals("vecrnn.WeightPacking"))).hasSize(4 * L);
    }

    /**
     * An LSTM with projections (P < H): the recurrent products multiply by W_hh [4H, P], and the
     * weight gradients include dW_hr [P, H]; the events' flops and shapes say so.
     */
    @Test
    void projectedLstmCountsItsOwnShapes() throws Exception {
        int P = 4;
        SplittableRandom rnd = new SplittableRandom(5);
        float[] x = uniform(rnd, T * B * I);
        float[] dout = uniform(rnd, T * B * P);
        Path file = tmp.resolve("proj.jfr");
        try (ThreadTeam team = new ThreadTeam(1); Recording r = new Recording()) {
            RecurrentLayer layer = RecurrentLayer.builder(CellType.LSTM, I, H).projSize(P).seed(1).threads(team).build();
            Profiling.enableAll(r);
            r.start();
            layer.forward(x, T, B, null, null);
            layer.backward(dout, null, null);
            r.stop();
            r.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().startsWith("vecrnn.")).toList();
        long gh = 4L * H;
        RecordedEvent g = one(events, "vecrnn.RecurrentGemm", "forward", 0);
        assertThat(new long[] {g.getInt("m"), g.getInt("n"), g.getInt("k")}).containsExactly(B, gh, P);
        assertThat(g.getLong("flops")).isEqualTo(2L * T * B * gh * P);
        RecordedEvent gb = one(events, "vecrnn.RecurrentGemm", "backward", 0);
        assertThat(new long[] {gb.getInt("m"), gb.getInt("n"), gb.getInt("k")}).containsExactly(B, P, gh);
        assertThat(gb.getLong("flops")).isEqualTo(2L * T * B * gh * P);
        // dW_hh [4H, P], dW_ih [4H, I], dX [T·B, I], dW_hr [P, H], each over T·B rows
        long wg = 2L * T * B * (gh * P + gh * I + I * gh + (long) P * H);
        assertThat(one(events, "vecrnn.WeightGradientGemm", "backward", 0).getLong("flops")).isEqualTo(wg);
    }

    private static RecordedEvent one(List<RecordedEvent> events, String name, String pass, int layer) {
        List<RecordedEvent> m = events.stream().filter(e -> e.getEventType().getName().equals(name)
                && e.getString("pass").equals(pass) && e.getInt("layer") == layer).toList();
        assertThat(m).as(name + " " + pass + " layer " + layer).hasSize(1);
        return m.get(0);
    }

    private static RecordedEvent onePass(List<RecordedEvent> events, String pass) {
        List<RecordedEvent> m = events.stream().filter(e -> e.getEventType().getName().equals("vecrnn.Pass")
                && e.getString("pass").equals(pass)).toList();
        assertThat(m).as("vecrnn.Pass " + pass).hasSize(1);
        return m.get(0);
    }

    /**
     * With a recording, a training step (forward + backward + update) of one layer allocates its
     * 14 events, one per phase, layer and pass (about 80-100 bytes each, measured); the bound
     * allows 256 bytes each. The real test is that 16 times more timesteps allocate no more (per
     * pass, not per timestep). With only the in-process collector (what {@code vecrnn profile}
     * measures allocation with), and once the recording is closed, a step allocates nothing.
     */
    @Test
    void recordingAllocatesPerPassNotPerTimestepAndNothingOtherwise() {
        try (ThreadTeam team = new ThreadTeam(1)) {
            RecurrentLayer layer = RecurrentLayer.builder(CellType.LSTM, I, H).seed(2).threads(team).build();
            Adam adam = new Adam(layer.parameters(), 1e-4);
            SplittableRandom rnd = new SplittableRandom(5);
            int longT = 16 * T;
            float[] xs = uniform(rnd, T * B * I);
            float[] douts = uniform(rnd, T * B * H);
            float[] xl = uniform(rnd, longT * B * I);
            float[] doutl = uniform(rnd, longT * B * H);
            Runnable shortStep = () -> step(layer, adam, xs, douts, T);
            Runnable longStep = () -> step(layer, adam, xl, doutl, longT);
            long bound = 14 * 256;
            long shortBytes;
            long longBytes;
            try (Recording r = new Recording()) {
                Profiling.enableAll(r);
                r.start();
                shortBytes = bytesPerStep(shortStep, bound);
                longBytes = bytesPerStep(longStep, shortBytes + 64);
                r.stop();
            }
            if (Boolean.getBoolean("vecrnn.test.verbose")) {
                System.out.println("recorded step: " + shortBytes + " B at T=" + T + ", " + longBytes + " B at T=" + longT);
            }
            assertThat(shortBytes).as("bytes per recorded step").isLessThanOrEqualTo(bound);
            assertThat(longBytes).as("bytes per recorded step at 16x the timesteps").isLessThanOrEqualTo(shortBytes + 64);

            PhaseTotals totals = new PhaseTotals();
            PhaseTotals old = Profiling.install(totals);
            long collected;
            try {
                collected = bytesPerStep(shortStep, 16);
            } finally {
                Profiling.install(old);
            }
            assertThat(totals.calls(Phase.OPTIMIZER_STEP)).isPositive();
            assertThat(collected).as("bytes per step with the in-process collector").isLessThanOrEqualTo(16);
            assertThat(bytesPerStep(shortStep, 16)).as("bytes per step once the recording is closed").isLessThanOrEqualTo(16);
        }
    }

    /**
     * The fewest bytes per step over rounds of 20 steps, until at most {@code target} or 20 s
     * have passed: the first timed or recorded steps take branches the JIT has not compiled, and
     * until C2 has recompiled the layer the interpreter boxes every vector (as in
     * ZeroAllocationTest, the wait is bounded by time, not by a guessed count).
     */
    private static long bytesPerStep(Runnable step, long target) {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long deadline = System.nanoTime() + 20_000_000_000L;
        long best = Long.MAX_VALUE;
        while (best > target && System.nanoTime() < deadline) {
            for (int i = 0; i < 30; i++) {
                step.run();
            }
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20; i++) {
                step.run();
            }
            best = Math.min(best, (mx.getCurrentThreadAllocatedBytes() - before) / 20);
        }
        return best;
    }

    private static void step(RecurrentLayer layer, Adam adam, float[] x, float[] dout, int steps) {
        layer.forward(x, steps, B, null, null);
        layer.backward(dout, null, null);
        adam.step();
    }
}
