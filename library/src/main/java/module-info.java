/**
 * vecrnn: RNN, LSTM and GRU training and inference on the JDK Vector API.
 *
 * <p>Exported: the layers ({@code dev.vecrnn.nn}), the model, training and checkpoints
 * ({@code dev.vecrnn.train}), generated tasks ({@code dev.vecrnn.tasks}), tensor files
 * ({@code dev.vecrnn.io}) and the thread team ({@code dev.vecrnn.mem}). Kernels and profiling
 * stay internal so they can change without breaking users. The library needs the JDK and Jackson
 * (for safetensors headers and checkpoint metadata), nothing else: the command line, the study
 * and the measurement tools are a separate artifact.
 *
 * <p>Every JVM that runs it needs {@code --add-modules jdk.incubator.vector}; without it the
 * scalar kernels run and {@link dev.vecrnn.train.VectorApi} says so.
 */
module dev.vecrnn {
    requires jdk.incubator.vector;
    requires jdk.management;
    // JDK Flight Recorder events of the phases (dev.vecrnn.profile, internal)
    requires jdk.jfr;
    requires com.fasterxml.jackson.databind;

    exports dev.vecrnn.io;
    exports dev.vecrnn.nn;
    exports dev.vecrnn.train;
    exports dev.vecrnn.tasks;
    // ThreadTeam: layers take a team to size and share their worker threads.
    exports dev.vecrnn.mem;
}
