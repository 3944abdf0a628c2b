package dev.vecrnn.profile;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * The JDK Flight Recorder events of vecrnn, all in category {@code vecrnn} and named
 * {@code vecrnn.*}. One event per phase, layer and pass (never per timestep), so a recording
 * costs a handful of small objects per pass however long the sequence.
 *
 * <p>Read the {@code time} field ("Time In Phase"), not the event's duration: phases that run
 * inside the time loop (recurrent GEMM, gate pointwise, backward pointwise, barrier) are
 * interleaved step by step, so their events span the layer's whole loop and carry their own
 * summed time in {@code time}. For the contiguous phases (input projection, weight gradients,
 * packing, optimizer step, pass) {@code time} equals the duration.
 *
 * <p>Stack traces are off: the phases are always called from the same places, and a stack walk
 * per event would cost more than the event.
 */
public final class Events {
    private Events() {}

    /** Fields shared by the per-layer phase events. */
    @Category("vecrnn")
    @StackTrace(false)
    abstract static class LayerPhase extends Event {
        @Label("Cell")
        @Description("lstm, gru, rnn_tanh or rnn_relu")
        String cell;

        @Label("Pass")
        @Description("forward (training), infer or backward")
        String pass;

        @Label("Layer")
        int layer;

        @Label("Directions")
        int directions;

        @Label("Timesteps")
        @Description("T, the longest sequence")
        int steps;

        @Label("Batch")
        @Description("B, sequences in the batch")
        int batch;

        @Label("Rows")
        @Description("Real rows: the sum of the sequence lengths (T·B without lengths)")
        int rows;

        @Label("Input Size")
        @Description("The layer's input width: I for layer 0, directions·H above")
        int inputSize;

        @Label("Hidden Size")
        int hiddenSize;

        @Label("Gates")
        @Description("4 lstm, 3 gru, 1 rnn")
        int gates;

        @Label("GEMM M")
        @Description("Rows of the product (per step for the recurrent GEMM); 0 for non-GEMM phases")
        int m;

        @Label("GEMM N")
        @Description("Columns of the product; 0 for non-GEMM phases")
        int n;

        @Label("GEMM K")
        @Description("Reduction length; 0 for non-GEMM phases")
        int k;

        @Label("Flops")
        @Description("Floating-point operations of the phase in this layer and pass (2·M·N·K per GEMM); 0 for pointwise and copies")
        long flops;

        @Label("Time In Phase")
        @Description("Time spent in this phase in this layer and pass, on the worker that owns unit 0 for in-loop phases")
        @Timespan(Timespan.NANOSECONDS)
        long time;
    }

    @Name("vecrnn.InputProjection")
    @Label("Input Projection")
    @Description("Biases + X·W_ihᵀ for all timesteps of a layer: one GEMM [rows, in] x [in, D·G·H]")
    static final class InputProjection extends LayerPhase {}

    @Name("vecrnn.RecurrentGemm")
    @Label("Recurrent GEMM")
    @Description("Per step h_{t-1}·W_hhᵀ (forward) or dG_t·W_hh (backward), summed over the steps and directions of a layer")
    static final class RecurrentGemm extends LayerPhase {}

    @Name("vecrnn.GatePointwise")
    @Label("Gate Pointwise")
    @Description("Fused gate activations and state update of every step of a layer")
    static final class GatePointwise extends LayerPhase {}

    @Name("vecrnn.BackwardPointwise")
    @Label("Backward Pointwise")
    @Description("Fused gate backward of every step of a layer")
    static final class BackwardPointwise extends LayerPhase {}

    @Name("vecrnn.WeightGradientGemm")
    @Label("Weight-Gradient GEMMs")
    @Description("dW_hh += dGᵀ·H_prev, dW_ih += dGᵀ·X, bias sums and dX = dG·W_ih of a layer, each one GEMM over all rows")
    static final class WeightGradientGemm extends LayerPhase {}

    @Name("vecrnn.WeightPacking")
    @Label("Weight Packing")
    @Description("Repacking W_ih and W_hh of a layer into the kernels' layouts (once per layer and pass)")
    static final class WeightPacking extends LayerPhase {}

    @Name("vecrnn.TimeLoop")
    @Label("Time Loop Barrier")
    @Description("Time loop wall time not spent in the timing worker's GEMM and pointwise calls: per-step barrier waits and loop overhead")
    static final class TimeLoop extends LayerPhase {}

    /** A whole forward, inference or backward pass over all layers. */
    @Name("vecrnn.Pass")
    @Label("Pass")
    @Description("One forward, inference or backward pass of a recurrent layer stack")
    @Category("vecrnn")
    @StackTrace(false)
    static final class Pass extends Event {
        @Label("Cell")
        String cell;

        @Label("Pass")
        @Description("forward (training), infer or backward")
        String pass;

        @Label("Layers")
        int layers;

        @Label("Directions")
        int directions;

        @Label("Timesteps")
        int steps;

        @Label("Batch")
        int batch;

        @Label("Rows")
        @Description("Real rows: the sum of the sequence lengths (T·B without lengths)")
        int rows;

        @Label("Input Size")
        int inputSize;

        @Label("Hidden Size")
        int hiddenSize;

        @Label("Flops")
        @Description("GEMM flops of the pass: 2·N·D·G·H·(in + H) per layer forward, twice that backward")
        long flops;

        @Label("Time In Phase")
        @Timespan(Timespan.NANOSECONDS)
        long time;
    }

    /** One optimizer update. */
    @Name("vecrnn.OptimizerStep")
    @Label("Optimizer Step")
    @Description("One update of all parameters from their gradients (elementwise; no flops counted)")
    @Category("vecrnn")
    @StackTrace(false)
    static final class OptimizerStep extends Event {
        @Label("Optimizer")
        @Description("sgd, rmsprop or adam")
        String optimizer;

        @Label("Parameters")
        @Description("Parameter tensors updated")
        int parameters;

        @Label("Elements")
        @Description("Parameter elements updated")
        long elements;

        @Label("Bytes")
        @Description("Parameter values updated, 4 bytes each (the state buffers and gradients are read on top)")
        @DataAmount
        long bytes;

        @Label("Flops")
        @Description("Not counted for this elementwise, memory-bound phase: always 0")
        long flops;

        @Label("Time In Phase")
        @Timespan(Timespan.NANOSECONDS)
        long time;
    }

    /** Every vecrnn event type, for enabling them on a recording. */
    public static final java.util.List<Class<? extends Event>> TYPES = java.util.List.of(
            InputProjection.class, RecurrentGemm.class, GatePointwise.class, BackwardPointwise.class,
            WeightGradientGemm.class, WeightPacking.class, TimeLoop.class, Pass.class, OptimizerStep.class);
}
