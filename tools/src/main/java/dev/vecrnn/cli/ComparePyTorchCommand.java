package dev.vecrnn.cli;

import dev.vecrnn.nn.CellType;
import dev.vecrnn.perf.BenchMode;
import dev.vecrnn.perf.BenchPaths;
import dev.vecrnn.perf.CompareReport;
import dev.vecrnn.perf.PyTorchComparison;
import dev.vecrnn.perf.RnnShape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vecrnn bench compare-pytorch} (run through {@code scripts/compare-pytorch}): the options
 * of {@link PyTorchComparison}, which times the same configurations in PyTorch and in vecrnn,
 * alternating the frameworks. The PyTorch timer is {@code python scripts/lib/torch_rnn_time.py}
 * unless {@code --torch-command} names another (such as {@code compare/djl/djl-rnn-time}).
 */
@Command(name = "compare-pytorch", mixinStandardHelpOptions = true,
        description = {"vecrnn vs PyTorch on identical configurations (use scripts/compare-pytorch).",
            "Times PyTorch (CPU, float32) and vecrnn, alternating the frameworks per configuration over several",
            "rounds; writes compare.md, compare.json and compare.png (ratio vecrnn time / PyTorch time; below 1",
            "means vecrnn is faster)."})
final class ComparePyTorchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--cells", defaultValue = "lstm,gru,rnn_tanh,rnn_relu", description = "cells (default: ${DEFAULT-VALUE})")
    String cells;

    @Option(names = "--shapes", description = "TxBxIxH list (default: the five standard shapes "
            + "50x32x256x256,50x64x512x512,25x16x1024x1024,100x1x256x256,50x128x128x128)")
    String shapes;

    @Option(names = "--modes", defaultValue = "inference,training", description = "inference and/or training (default: ${DEFAULT-VALUE})")
    String modes;

    @Option(names = "--threads", split = ",", description = "thread counts (default: 1 and the available processors)")
    List<Integer> threads;

    @Option(names = "--rounds", defaultValue = "3", description = "measurements per framework and configuration (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--quick", description = "a smoke run: 1 round, short timing, and unless given: lstm, 50x32x256x256, 1 thread")
    boolean quick;

    @Option(names = "--out", description = "output folder (default: target/bench/compare-pytorch-<time>)")
    Path out;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with torch (default: ${DEFAULT-VALUE})")
    String python;

    @Option(names = "--torch-script", description = "the PyTorch timer (default: scripts/lib/torch_rnn_time.py of this project)")
    Path torchScript;

    @Option(names = "--torch-command", paramLabel = "WORD", description = {
        "run this PyTorch timer instead of PYTHON SCRIPT: its command line, one word per occurrence",
        "(e.g. compare/djl/djl-rnn-time); it gets the options and environment torch_rnn_time.py gets",
        "and must print the same JSON line"})
    List<String> torchCommand;

    @Option(names = "--vector-bits", description = "run vecrnn at this width (0 = scalar; default: the JVM's widest)")
    Integer vectorBits;

    @Option(names = "--seed", defaultValue = "1", description = "seed of weights and inputs (default: ${DEFAULT-VALUE})")
    long seed;

    @Mixin
    TimingOptions timing;

    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** The sweep, after --quick defaults: shape, then cell, then mode, then threads. */
    List<CompareReport.Config> configs() {
        List<CellType> cellList = new ArrayList<>();
        for (String c : (quick && !given("--cells") ? "lstm" : cells).split(",")) {
            if (!c.isBlank()) {
                cellList.add(CellType.parse(c));
            }
        }
        if (cellList.isEmpty()) {
            throw new IllegalArgumentException("--cells: expected a comma-separated list, got '" + cells + "'");
        }
        List<RnnShape> shapeList = shapes != null ? RnnShape.parseList(shapes)
                : quick ? List.of(RnnShape.STANDARD.getFirst()) : RnnShape.STANDARD;
        List<Integer> threadList = threads != null ? threads
                : quick ? List.of(1) : new ArrayList<>(new TreeSet<>(List.of(1, Runtime.getRuntime().availableProcessors())));
        return CompareReport.sweep(cellList, shapeList, BenchMode.parseList(modes), threadList);
    }

    /** Applies --quick to the timing settings the user did not give. */
    void applyQuick() {
        if (!quick) {
            return;
        }
        if (!given("--rounds")) {
            rounds = 1;
        }
        if (!given("--warmup-ms")) {
            timing.warmupMs = 500;
        }
        if (!given("--reps")) {
            timing.reps = 5;
        }
        if (!given("--min-ms")) {
            timing.minMs = 300;
        }
        if (!given("--tries")) {
            timing.tries = 1;
        }
    }

    /** The comparison these options (after {@link #applyQuick}) describe. */
    PyTorchComparison.Config config() {
        var tm = timing.toTiming();
        List<CompareReport.Config> configs = configs();
        return new PyTorchComparison.Config(configs, rounds, tm, vectorBits, seed, torchTimer(), out, RnnTimeCommand.LAUNCHER);
    }

    @Override
    public Integer call() throws IOException {
        applyQuick();
        PyTorchComparison.run(config(), System.out, System.err);
        return 0;
    }

    /**
     * The PyTorch timer: the {@code --torch-command} words, or {@code python script}.
     *
     * @throws IllegalArgumentException if both are given, or the script is not a file
     */
    PyTorchComparison.TorchTimer torchTimer() {
        if (torchCommand != null) {
            if (given("--torch-script") || given("--python")) {
                throw new IllegalArgumentException("--torch-command replaces --python and --torch-script: give one or the other");
            }
            return new PyTorchComparison.TorchTimer(torchCommand, null);
        }
        Path script = torchScript != null ? torchScript
                : BenchPaths.projectRoot().resolve("scripts/lib/torch_rnn_time.py");
        if (!Files.isRegularFile(script)) {
            throw new IllegalArgumentException("--torch-script: no file " + script);
        }
        return new PyTorchComparison.TorchTimer(List.of(python, script.toString()), python);
    }
}
