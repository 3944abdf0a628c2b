package dev.vecrnn.perf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vecrnn.nn.CellType;
import dev.vecrnn.profile.Phase;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The profiler's breakdown: its structure and flop counts (never its times) and the table's shares. */
class ProfilerTest {
    private static final int T = 5, B = 3, I = 7, H = 11;

    static Stream<Arguments> configs() {
        List<Arguments> a = new ArrayList<>();
        for (CellType c : List.of(CellType.LSTM, CellType.GRU, CellType.RNN_TANH)) {
            for (boolean train : List.of(false, true)) {
                a.add(Arguments.of(c, train, c == CellType.GRU ? 2 : 1, c == CellType.LSTM ? 2 : 1));
            }
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} train={1} layers={2} threads={3}")
    @MethodSource("configs")
    void breakdownHasEveryPhaseExactFlopsAndAddsUp(CellType cell, boolean train, int layers, int threads) throws Exception {
        BenchMode mode = train ? BenchMode.TRAINING : BenchMode.INFERENCE;
        Profiler.Result r;
        try (RnnWorkload work = new RnnWorkload(new RnnWorkload.Config(cell, new RnnShape(T, B, I, H), mode, threads, 3, layers, true))) {
            r = Profiler.profile(work, train, 0, 0, 0, 100.0, null);
        }
        PhaseBreakdown b = r.breakdown();
        int steps = b.steps();
        assertThat(steps).isGreaterThanOrEqualTo(Profiler.MIN_STEPS);

        List<Phase> expected = PhaseBreakdown.expectedPhases(train);
        assertThat(b.rows()).hasSize(expected.size() + 1);
        assertThat(b.rows().get(expected.size()).label()).isEqualTo(PhaseBreakdown.OTHER);
        for (int i = 0; i < expected.size(); i++) {
            PhaseBreakdown.Row row = b.rows().get(i);
            assertThat(row.phase()).isEqualTo(expected.get(i));
            assertThat(row.calls()).as(row.label() + " calls").isGreaterThan(0);
            assertThat(row.nanos()).as(row.label() + " time").isGreaterThanOrEqualTo(0);
        }
        if (train) {
            assertThat(expected).contains(Phase.BACKWARD_POINTWISE, Phase.WEIGHT_GRADIENT, Phase.OPTIMIZER_STEP,
                    Phase.RECURRENT_GEMM_BACKWARD);
        } else {
            assertThat(expected).doesNotContain(Phase.BACKWARD_POINTWISE, Phase.WEIGHT_GRADIENT, Phase.OPTIMIZER_STEP);
        }

        // calls: one per layer and pass; training runs forward + backward, one optimizer update
        assertThat(calls(b, Phase.INPUT_PROJECTION)).isEqualTo((long) steps * layers);
        assertThat(calls(b, Phase.RECURRENT_GEMM)).isEqualTo((long) steps * layers);
        assertThat(calls(b, Phase.STEP_SYNC)).isEqualTo((long) steps * layers * (train ? 2 : 1));
        if (train) {
            assertThat(calls(b, Phase.OPTIMIZER_STEP)).isEqualTo(steps);
            assertThat(calls(b, Phase.WEIGHT_GRADIENT)).isEqualTo((long) steps * layers);
        }

        // flops per step, written out from DESIGN.md: GEMM 2·M·N·K, rows = T·B, G·H gate columns
        long gh = (long) cell.gates() * H;
        long proj = 0, rec = 0, grad = 0;
        for (int k = 0; k < layers; k++) {
            long in = k == 0 ? I : H;
            proj += 2L * T * B * gh * in;                                   // [TB, in] x [in, GH]
            rec += T * (2L * B * gh * H);                                   // per step [B, H] x [H, GH]
            grad += 2L * gh * H * T * B + 2L * gh * in * T * B + 2L * T * B * in * gh; // dW_hh, dW_ih, dX
        }
        assertThat(flops(b, Phase.INPUT_PROJECTION)).isEqualTo(steps * proj);
        assertThat(flops(b, Phase.RECURRENT_GEMM)).isEqualTo(steps * rec);
        assertThat(flops(b, Phase.GATE_POINTWISE)).isZero();
        long perStep = proj + rec;
        if (train) {
            assertThat(flops(b, Phase.RECURRENT_GEMM_BACKWARD)).isEqualTo(steps * rec);
            assertThat(flops(b, Phase.WEIGHT_GRADIENT)).isEqualTo(steps * grad);
            perStep += rec + grad;
            assertThat(perStep).as("training = 3x forward").isEqualTo(3 * (proj + rec));
        }
        assertThat(b.totalFlops()).isEqualTo(steps * perStep);
        if (layers == 1) {
            assertThat((double) perStep).isEqualTo(new RnnShape(T, B, I, H).flops(cell, mode));
        }
        // stacks too (I != H): the one count, whose later layers read H
        assertThat(perStep).isEqualTo(mode.stepFlops(cell.stackForwardFlops(T, B, I, H, layers, 1, 0)));

        // phases + other = total, exactly; shares sum to 100
        long sum = b.rows().stream().mapToLong(PhaseBreakdown.Row::nanos).sum();
        assertThat(sum).isEqualTo(b.totalNanos());
        assertThat(b.rows().stream().mapToDouble(b::share).sum()).isCloseTo(100.0, org.assertj.core.data.Offset.offset(1e-9));
        // the printed shares, rounded to 0.1 each, sum to 100 within the rounding
        double printed = 0;
        List<String> lines = b.table().lines().skip(2).toList();
        assertThat(lines).hasSize(b.rows().size() + 1);
        for (String line : lines.subList(0, lines.size() - 1)) {
            printed += Double.parseDouble(line.split("\\|")[5].trim());
        }
        assertThat(printed).isCloseTo(100.0, org.assertj.core.data.Offset.offset(0.05 * b.rows().size() + 1e-9));
        assertThat(lines.get(lines.size() - 1)).contains("| 100.0 |");
        assertThat(r.bytesPerStep()).isGreaterThanOrEqualTo(0);
    }

    private static long calls(PhaseBreakdown b, Phase p) {
        return b.rows().stream().filter(r -> r.phase() == p).findFirst().orElseThrow().calls();
    }

    private static long flops(PhaseBreakdown b, Phase p) {
        return b.rows().stream().filter(r -> r.phase() == p).findFirst().orElseThrow().flops();
    }
}
