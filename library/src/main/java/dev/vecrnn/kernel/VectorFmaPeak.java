package dev.vecrnn.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Vector path of {@link FmaPeak}: one leaf method, every vector a local, so C2 keeps all in registers. */
final class VectorFmaPeak {
    private VectorFmaPeak() {}

    static float chains(int iterations, float multiplier, float addend) {
        FloatVector m = FloatVector.broadcast(Lanes.F, multiplier);
        FloatVector c = FloatVector.broadcast(Lanes.F, addend);
        FloatVector a0 = FloatVector.broadcast(Lanes.F, 0 / 16f);
        FloatVector a1 = FloatVector.broadcast(Lanes.F, 1 / 16f);
        FloatVector a2 = FloatVector.broadcast(Lanes.F, 2 / 16f);
        FloatVector a3 = FloatVector.broadcast(Lanes.F, 3 / 16f);
        FloatVector a4 = FloatVector.broadcast(Lanes.F, 4 / 16f);
        FloatVector a5 = FloatVector.broadcast(Lanes.F, 5 / 16f);
        FloatVector a6 = FloatVector.broadcast(Lanes.F, 6 / 16f);
        FloatVector a7 = FloatVector.broadcast(Lanes.F, 7 / 16f);
        FloatVector a8 = FloatVector.broadcast(Lanes.F, 8 / 16f);
        FloatVector a9 = FloatVector.broadcast(Lanes.F, 9 / 16f);
        FloatVector a10 = FloatVector.broadcast(Lanes.F, 10 / 16f);
        FloatVector a11 = FloatVector.broadcast(Lanes.F, 11 / 16f);
        for (int i = 0; i < iterations; i++) {
            // Twelve independent chains hide the FMA latency (see FmaPeak.ACCUMULATORS).
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        FloatVector sum = a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7)))
                .add(a8.add(a9).add(a10.add(a11)));
        return sum.reduceLanes(VectorOperators.ADD);
    }
}
