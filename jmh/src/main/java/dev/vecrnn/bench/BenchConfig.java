package dev.vecrnn.bench;

/** JVM flags every benchmark fork needs; referenced from each {@code @Fork(jvmArgsPrepend = ...)}. */
final class BenchConfig {
    private BenchConfig() {}

    static final String ADD_VECTOR = "--add-modules=jdk.incubator.vector";
    static final String PARALLEL_GC = "-XX:+UseParallelGC";
}
