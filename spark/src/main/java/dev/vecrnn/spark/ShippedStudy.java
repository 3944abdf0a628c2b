package dev.vecrnn.spark;

import dev.vecrnn.study.GateInit;
import dev.vecrnn.study.StudyCell;
import dev.vecrnn.study.StudyConfig;
import dev.vecrnn.study.StudyTask;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A study's configuration and run keys in a form Spark can ship to the executors: every field of
 * {@link StudyConfig} but the output folder, which only the driver writes to.
 */
final class ShippedStudy {
    private ShippedStudy() {}

    /** {@link StudyConfig} without {@code out}. */
    record Config(String preset, LinkedHashMap<StudyTask, ArrayList<Integer>> plan, ArrayList<StudyCell> cells,
                  int steps, int hidden, int batch, Double lrOverride, GateInit initOverride, double clipNorm,
                  long firstSeed, int seeds, boolean stopWhenSolved, int threads, int jobs, int evalEvery,
                  int evalBatches, int testBatches, int probeBatch, int probeLags, int warmupSteps)
            implements Serializable {

        static Config of(StudyConfig c) {
            LinkedHashMap<StudyTask, ArrayList<Integer>> plan = new LinkedHashMap<>();
            c.plan().forEach((task, lengths) -> plan.put(task, new ArrayList<>(lengths)));
            return new Config(c.preset(), plan, new ArrayList<>(c.cells()), c.steps(), c.hidden(), c.batch(),
                    c.lrOverride(), c.initOverride(), c.clipNorm(), c.firstSeed(), c.seeds(), c.stopWhenSolved(),
                    c.threads(), c.jobs(), c.evalEvery(), c.evalBatches(), c.testBatches(), c.probeBatch(),
                    c.probeLags(), c.warmupSteps());
        }

        /** The configuration on an executor: everything but the output folder (null), which a run never uses. */
        StudyConfig toConfig() {
            Map<StudyTask, List<Integer>> p = new LinkedHashMap<>();
            plan.forEach((task, lengths) -> p.put(task, List.copyOf(lengths)));
            return new StudyConfig(preset, p, List.copyOf(cells), steps, hidden, batch, lrOverride, initOverride,
                    clipNorm, firstSeed, seeds, stopWhenSolved, threads, jobs, evalEvery, evalBatches, testBatches,
                    probeBatch, probeLags, warmupSteps, null);
        }
    }

    /** {@link StudyConfig.RunKey}. */
    record Key(StudyTask task, StudyCell cell, int length, long seed) implements Serializable {
        static Key of(StudyConfig.RunKey k) {
            return new Key(k.task(), k.cell(), k.length(), k.seed());
        }

        StudyConfig.RunKey toKey() {
            return new StudyConfig.RunKey(task, cell, length, seed);
        }

        @Override
        public String toString() {
            return toKey().label();
        }
    }
}
