package dev.vecrnn.cli;

import dev.vecrnn.perf.MachineInfo;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code vecrnn info}: what this JVM and machine give the kernels. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the JDK, vector width, CPU, thread count and whether the Vector API is intrinsified.")
final class InfoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        for (Map.Entry<String, String> e : MachineInfo.collect().entrySet()) {
            System.out.printf("%-20s %s%n", e.getKey(), e.getValue());
        }
        return 0;
    }
}
