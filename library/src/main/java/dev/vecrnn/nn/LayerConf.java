package dev.vecrnn.nn;

/**
 * The sizes of a layer stack and every dimension derived from them, each computed once here.
 * Everything else in the engine reads these fields instead of multiplying sizes again.
 *
 * <p>Names follow the math: {@code H} hidden units, {@code S} the width of the hidden state h
 * ({@code P} with projections, else {@code H}), {@code G} gates, {@code D} directions,
 * {@code L} layers, {@code I} input features.
 */
final class LayerConf {
    final CellType cell;
    /** I: features of layer 0's input. */
    final int input;
    /** H: hidden units of one direction (also the width of c). */
    final int hidden;
    /** L: stacked layers. */
    final int layers;
    /** D: 1, or 2 for a bidirectional stack. */
    final int directions;
    /** P: LSTM projection size (PyTorch's {@code proj_size}), 0 without projections. */
    final int proj;
    /** S: width of the hidden state h of one direction, P with projections, else H. */
    final int state;
    /** G: gates per unit. */
    final int gates;
    /** G·H: a row of gate pre-activations of one direction. */
    final int gh;
    /** D·G·H: a row of gate pre-activations of all directions. */
    final int dgh;
    /** D·H: a row of c (and of r, hn) of all directions. */
    final int dh;
    /** D·S: a row of h of all directions, i.e. an output row. */
    final int ds;
    /** D·L: the state tensors' first dimension. */
    final int slots;
    /** Gate rows of one direction whose b_hh folds into the input projection: all but GRU's n gate. */
    final int foldedBias;
    final boolean lstm;
    final boolean gru;
    /** Whether the LSTM has projections (P > 0). */
    final boolean projected;
    /** Dimension names of h0/hN/dh0/dhN, of c0/cN/dc0/dcN and of out/dout (for messages). */
    final String hiddenStateDims;
    final String cellStateDims;
    final String outputDims;

    LayerConf(CellType cell, int input, int hidden, int layers, boolean bidirectional, int proj) {
        check(cell, input, hidden, layers, bidirectional, proj);
        this.cell = cell;
        this.input = input;
        this.hidden = hidden;
        this.layers = layers;
        this.directions = bidirectional ? 2 : 1;
        this.proj = proj;
        this.state = proj > 0 ? proj : hidden;
        this.gates = cell.gates();
        this.gh = gates * hidden;
        this.dgh = directions * gh;
        this.dh = directions * hidden;
        this.ds = directions * state;
        this.slots = directions * layers;
        this.lstm = cell == CellType.LSTM;
        this.gru = cell == CellType.GRU;
        this.projected = proj > 0;
        this.foldedBias = gru ? 2 * hidden : gh;
        this.cellStateDims = bidirectional ? "[2*L, B, H]" : "[L, B, H]";
        this.hiddenStateDims = !projected ? cellStateDims : bidirectional ? "[2*L, B, P]" : "[L, B, P]";
        this.outputDims = projected ? (bidirectional ? "[T, B, 2*P]" : "[T, B, P]")
                : (bidirectional ? "[T, B, 2*H]" : "[T, B, H]");
    }

    /** Rejects sizes no layer stack can have, naming the size. */
    static void check(CellType cell, int input, int hidden, int layers, boolean bidirectional, int proj) {
        if (cell == null) {
            throw new IllegalArgumentException("cell type is null");
        }
        if (input < 1) {
            throw new IllegalArgumentException("inputSize must be >= 1, got " + input);
        }
        if (hidden < 1) {
            throw new IllegalArgumentException("hiddenSize must be >= 1, got " + hidden);
        }
        if (layers < 1) {
            throw new IllegalArgumentException("numLayers must be >= 1, got " + layers);
        }
        if (proj < 0) {
            throw new IllegalArgumentException("projSize must be >= 0 (0 = no projections), got " + proj);
        }
        if (proj > 0 && cell != CellType.LSTM) {
            throw new IllegalArgumentException("projSize: projections (PyTorch's proj_size) exist only for an lstm, got "
                    + cell.cliName() + " with projSize " + proj);
        }
        if (proj > 0 && proj >= hidden) {
            throw new IllegalArgumentException("projSize must be < hiddenSize = " + hidden + ", got " + proj);
        }
        int dirs = bidirectional ? 2 : 1;
        long rows = (long) dirs * cell.gates() * hidden;
        long widest = Math.max(input, (long) dirs * hidden);
        if (rows * widest > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException(cell.cliName() + " with input " + input + ", hidden " + hidden
                    + (bidirectional ? ", bidirectional" : "") + ": a layer's weights as the kernels pack them ("
                    + rows + " x " + widest + " floats: W_ih or W_hh of every direction, stacked) would not fit in one"
                    + " Java array (at most " + (Integer.MAX_VALUE - 64) + " elements); use a smaller hidden size");
        }
    }

    /** Features of layer k's input: I for layer 0, D·S (the outputs of layer k-1) above. */
    int inputWidth(int k) {
        return k == 0 ? input : ds;
    }

    /** Index of layer k, direction d among the parameters and the state tensors' first dimension. */
    int slot(int k, int d) {
        return k * directions + d;
    }

    boolean bidirectional() {
        return directions == 2;
    }

    /**
     * Rejects T, B below 1 and sequences whose largest buffer ({@code (T+2)*B} rows of the widest
     * row) would not fit in one Java array.
     */
    void checkSequence(int T, int B) {
        if (T < 1) {
            throw new IllegalArgumentException("T (timesteps) must be >= 1, got " + T);
        }
        if (B < 1) {
            throw new IllegalArgumentException("B (batch size) must be >= 1, got " + B);
        }
        long widest = Math.max((long) dgh, Math.max(input, (long) dh));
        long floats = Math.max(((long) T + 2) * B * widest, (long) slots * B * hidden);
        if (floats > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("a sequence of T=" + T + ", B=" + B + " needs buffers of " + floats
                    + " floats, more than a Java array holds; split it into shorter chunks");
        }
    }

    /** "an lstm", "a gru", ... for messages. */
    static String named(CellType cell) {
        return (cell == CellType.LSTM ? "an " : "a ") + cell.cliName();
    }

    /** The sizes as the layer's and the stream's {@code toString} show them. */
    String describe() {
        return cell.cliName() + ", input " + input + ", hidden " + hidden + (projected ? ", proj " + proj : "")
                + ", layers " + layers + (directions == 2 ? ", bidirectional" : "");
    }

    /** Whether {@code o} describes a stack of the same cell and sizes. */
    boolean sameShapeAs(LayerConf o) {
        return cell == o.cell && input == o.input && hidden == o.hidden && layers == o.layers
                && directions == o.directions && proj == o.proj;
    }
}
