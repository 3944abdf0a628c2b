/**
 * vecrnn: RNN, LSTM and GRU training and inference on the JDK Vector API.
 *
 * <p>Only the user-facing packages are exported; kernels, memory management and profiling stay
 * internal so they can change without breaking users. The library needs the JDK and Jackson
 * (for safetensors headers and checkpoint metadata), nothing else: the command line, the study
 * and the measurement tools are a separate artifact.
 */
module dev.vecrnn {
    requires jdk.incubator.vector;
    requires jdk.management;
    // JDK Flight Recorder events of the phases (dev.vecrnn.profile, internal)
    requires jdk.jfr;
    requires com.fasterxml.jackson.databind;

    exports dev.vecrnn.io;
    exports dev.vecrnn.nn;
    // ThreadTeam: layers take a team to size and share their worker threads.
    exports dev.vecrnn.mem;
}
