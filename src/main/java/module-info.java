/**
 * vecrnn: RNN, LSTM and GRU training and inference on the JDK Vector API.
 *
 * <p>Only the user-facing packages are exported; kernels, memory management and the command
 * line stay internal so they can change without breaking users.
 */
module dev.vecrnn {
    requires jdk.incubator.vector;
    requires jdk.management;
    // JDK Flight Recorder events of the phases (dev.vecrnn.profile, internal)
    requires jdk.jfr;
    requires com.fasterxml.jackson.databind;
    requires info.picocli;
    requires org.knowm.xchart;
    requires me.tongfei.progressbar;
    requires java.desktop;

    exports dev.vecrnn.io;
    exports dev.vecrnn.nn;
    // ThreadTeam: layers take a team to size and share their worker threads.
    exports dev.vecrnn.mem;

    opens dev.vecrnn.cli to info.picocli;
}
