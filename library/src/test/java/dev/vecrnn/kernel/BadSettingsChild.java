package dev.vecrnn.kernel;

/**
 * Run in a child JVM by {@link KernelSettingsTest}: touches the kernel classes the way a program
 * does and prints, per entry point, "ok" or the exception it threw, one line each.
 */
public final class BadSettingsChild {
    private BadSettingsChild() {}

    public static void main(String[] args) {
        // class initialisation alone must not throw
        int bits = VectorSupport.BITS + FmaPeak.ACCUMULATORS;
        Runnable[] calls = {
            VectorSupport::describe,
            () -> KernelContext.current().describe(),
            () -> Sgemm.sgemm(false, false, 1, 1, 1, 1f, new float[1], 0, 1, new float[1], 0, 1, 0f, new float[1], 0, 1),
            () -> GateKernels.rnnTanhForward(1, 1, new float[1], 0, new float[1], 0, 1, new float[1], 0, 1),
            () -> Blas1.scale(1, 2f, new float[1], 0),
        };
        boolean allOk = true;
        StringBuilder out = new StringBuilder();
        for (Runnable call : calls) {
            try {
                call.run();
                out.append("ok\n");
            } catch (RuntimeException | Error e) {
                allOk = false;
                out.append(e.getClass().getName()).append(": ").append(e.getMessage()).append('\n');
            }
        }
        System.out.print(allOk ? "ok\n" : out.toString());
        System.exit(bits >= 0 ? 0 : 1);
    }
}
