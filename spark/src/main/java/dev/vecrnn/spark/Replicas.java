package dev.vecrnn.spark;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The replicas of this JVM (an executor, or the driver in local mode), by run and partition. A
 * task borrows one and gives it back; a replica is never shared by two tasks at once (a retried
 * or speculative attempt of the same partition builds its own), and a task that failed discards
 * the one it held, so a half-finished pass never leaks into the next job. The replicas of the
 * {@value #RUNS_KEPT} most recently used runs are kept.
 */
final class Replicas {
    static final int RUNS_KEPT = 4;

    // run id -> partition -> idle replicas; access order, so the eldest entry is the least recently used run
    private static final LinkedHashMap<String, Map<Integer, ArrayDeque<Replica>>> IDLE =
            new LinkedHashMap<>(8, 0.75f, true);

    private Replicas() {}

    /** An idle replica of {@code spec}'s run for {@code partition}, or a new one. */
    static Replica borrow(RunSpec spec, int partition) {
        synchronized (IDLE) {
            Map<Integer, ArrayDeque<Replica>> run = IDLE.get(spec.runId());
            ArrayDeque<Replica> idle = run == null ? null : run.get(partition);
            Replica r = idle == null ? null : idle.poll();
            if (r != null) {
                return r;
            }
        }
        return new Replica(spec, partition);
    }

    /** Gives a replica back after a task that succeeded. */
    static void release(RunSpec spec, int partition, Replica replica) {
        List<Replica> evicted = new ArrayList<>();
        synchronized (IDLE) {
            IDLE.computeIfAbsent(spec.runId(), k -> new HashMap<>())
                    .computeIfAbsent(partition, k -> new ArrayDeque<>()).push(replica);
            Iterator<Map<Integer, ArrayDeque<Replica>>> runs = IDLE.values().iterator();
            while (IDLE.size() > RUNS_KEPT && runs.hasNext()) {
                runs.next().values().forEach(evicted::addAll);
                runs.remove();
            }
        }
        evicted.forEach(Replica::close);
    }

    /** Idle replicas of {@code runId} in this JVM (for tests). */
    static int idle(String runId) {
        synchronized (IDLE) {
            Map<Integer, ArrayDeque<Replica>> run = IDLE.get(runId);
            return run == null ? 0 : run.values().stream().mapToInt(ArrayDeque::size).sum();
        }
    }
}
