package dev.vecrnn.profile;

/**
 * The phases of a pass that are timed separately, in report order. Each maps to one JFR event
 * type ({@link #eventName}); the two recurrent GEMMs share {@code vecrnn.RecurrentGemm} and are
 * told apart by its {@code pass} field.
 *
 * <p>Flop counts (exact, per layer, with {@code N} the real rows = sum of sequence lengths
 * ({@code T·B} without lengths), {@code D} directions, {@code G} gates, {@code H} hidden size,
 * {@code in} the layer's input width): input projection {@code 2·N·D·G·H·in}; recurrent GEMM
 * forward and backward {@code 2·N·D·G·H·H} each; weight gradients {@code 2·N·D·G·H·(H + 2·in)}
 * ({@code dW_hh}, {@code dW_ih} and the input gradient {@code dX}). So a forward pass is
 * {@code 2·N·D·G·H·(in + H)} and forward + backward is three times that, as in DESIGN.md.
 * Pointwise phases, weight packing, the barrier wait and the optimizer step count no flops.
 */
public enum Phase {
    /** Biases + {@code X·W_ihᵀ} for all timesteps of a layer, one GEMM. */
    INPUT_PROJECTION("input projection", "vecrnn.InputProjection"),
    /** {@code h_{t-1}·W_hhᵀ} of every step. */
    RECURRENT_GEMM("recurrent GEMM", "vecrnn.RecurrentGemm"),
    /** Fused gate activations and state update of every step. */
    GATE_POINTWISE("gate pointwise", "vecrnn.GatePointwise"),
    /** Fused gate backward of every step. */
    BACKWARD_POINTWISE("backward pointwise", "vecrnn.BackwardPointwise"),
    /** {@code dG_t·W_hh} of every step (the gradient reaching {@code h_{t-1}}). */
    RECURRENT_GEMM_BACKWARD("recurrent GEMM (backward)", "vecrnn.RecurrentGemm"),
    /** {@code dW_hh}, {@code dW_ih}, bias sums and {@code dX}: one GEMM/reduction each over all rows. */
    WEIGHT_GRADIENT("weight-gradient GEMMs + dX", "vecrnn.WeightGradientGemm"),
    /** Repacking W_ih and W_hh into the kernels' layouts, once per layer and pass. */
    WEIGHT_PACKING("weight packing", "vecrnn.WeightPacking"),
    /**
     * Time loops' wall time not spent in the timing worker's GEMM and pointwise calls: waiting at
     * the per-step barrier for slower workers, and loop overhead.
     */
    STEP_SYNC("step barrier + loop overhead", "vecrnn.TimeLoop"),
    /** One optimizer update of all parameters. */
    OPTIMIZER_STEP("optimizer step", "vecrnn.OptimizerStep");

    /** Short human-readable name for tables. */
    public final String label;
    /** The JFR event type this phase is recorded as. */
    public final String eventName;

    Phase(String label, String eventName) {
        this.label = label;
        this.eventName = eventName;
    }

    /** All phases, shared (do not modify): {@code values()} clones on every call. */
    static final Phase[] ALL = values();
}
