package dev.vecrnn.mem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ThreadTeamTest {

    @Test
    void everyMemberRunsOnceWithItsIndex() {
        try (ThreadTeam team = new ThreadTeam(3)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(3);
            Set<Thread> threads = ConcurrentHashMap.newKeySet();
            for (int rep = 0; rep < 100; rep++) {
                team.run((w, ws) -> {
                    assertThat(ws).isEqualTo(3);
                    hits.incrementAndGet(w);
                    threads.add(Thread.currentThread());
                });
            }
            for (int w = 0; w < 3; w++) {
                assertThat(hits.get(w)).isEqualTo(100);
            }
            assertThat(threads).hasSize(3).contains(Thread.currentThread());
        }
    }

    @Test
    void barrierSeparatesPhases() {
        // Each member writes its slot in phase p, then reads every slot after the barrier: a
        // broken barrier lets a member see another's value from the previous phase.
        int members = 3;
        int phases = 2_000;
        try (ThreadTeam team = new ThreadTeam(members)) {
            int[] slots = new int[members];
            int[] errors = new int[members];
            team.run((w, ws) -> {
                for (int p = 1; p <= phases; p++) {
                    slots[w] = p;
                    team.barrier();
                    for (int o = 0; o < ws; o++) {
                        if (readVolatile(slots, o) != p) {
                            errors[w]++;
                        }
                    }
                    team.barrier();
                }
            });
            assertThat(errors).containsOnly(0);
        }
    }

    private static int readVolatile(int[] a, int i) {
        java.lang.invoke.VarHandle.acquireFence();
        return a[i];
    }

    @Test
    void failureOfAWorkerReachesTheCaller() {
        try (ThreadTeam team = new ThreadTeam(2)) {
            assertThatThrownBy(() -> team.run((w, ws) -> {
                if (w == 1) {
                    throw new IllegalStateException("boom in worker 1");
                }
            })).isInstanceOf(IllegalStateException.class).hasMessage("boom in worker 1");
            // the team still works afterwards
            AtomicIntegerArray hits = new AtomicIntegerArray(2);
            team.run((w, ws) -> hits.incrementAndGet(w));
            assertThat(hits.get(0) + hits.get(1)).isEqualTo(2);
        }
    }

    @Test
    void closeStopsAllWorkerThreads() throws InterruptedException {
        ThreadTeam team = new ThreadTeam(4);
        String prefix = team.name() + "-worker-";
        assertThat(Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)))
                .hasSize(3);
        team.run((w, ws) -> { });
        team.close();
        Thread.sleep(50);
        long alive = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix) && t.isAlive())
                .count();
        assertThat(alive).isZero();
        assertThat(team.isClosed()).isTrue();
        assertThatThrownBy(() -> team.run((w, ws) -> { })).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void splitCoversTheRangeOnGranuleBoundaries() {
        for (int n : new int[] {0, 1, 15, 16, 17, 100, 1021}) {
            for (int g : new int[] {1, 16, 32}) {
                for (int workers = 1; workers <= 5; workers++) {
                    int prev = 0;
                    assertThat(ThreadTeam.split(n, g, 0, workers)).isZero();
                    for (int w = 0; w < workers; w++) {
                        int s = ThreadTeam.split(n, g, w, workers);
                        int e = ThreadTeam.split(n, g, w + 1, workers);
                        assertThat(s).isEqualTo(prev);
                        assertThat(e).isGreaterThanOrEqualTo(s);
                        if (e < n) {
                            assertThat(e % g).isZero();
                        }
                        prev = e;
                    }
                    assertThat(prev).isEqualTo(n);
                }
            }
        }
    }

    @Test
    void rejectsNonPositiveSize() {
        assertThatThrownBy(() -> new ThreadTeam(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threads");
    }

    @Test
    void rejectsMoreMembersThanTheMachineBoundBeforeStartingAnyThread() {
        int processors = Runtime.getRuntime().availableProcessors();
        int max = ThreadTeam.maxThreads();
        assertThat(max).isGreaterThanOrEqualTo(processors)
                .isEqualTo(Math.max(processors, Math.min(4 * processors, ThreadTeam.HARD_CAP)));
        int before = Thread.activeCount();
        for (int n : new int[] {max + 1, 10_000, Integer.MAX_VALUE}) {
            assertThatThrownBy(() -> new ThreadTeam(n)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("threads must be <= " + max + " (4 per available processor, " + processors
                            + " here")
                    .hasMessageEndingWith("got " + n);
        }
        assertThat(Thread.activeCount()).isLessThanOrEqualTo(before);
    }

    @Test
    void defaultSizePropertyIsBoundedToo() {
        String old = System.getProperty(ThreadTeam.THREADS_PROPERTY);
        try {
            int max = ThreadTeam.maxThreads();
            System.setProperty(ThreadTeam.THREADS_PROPERTY, Integer.toString(max));
            assertThat(ThreadTeam.defaultThreads()).isEqualTo(max);
            for (String bad : new String[] {Integer.toString(max + 1), "0", "many"}) {
                System.setProperty(ThreadTeam.THREADS_PROPERTY, bad);
                assertThatThrownBy(ThreadTeam::defaultThreads).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageStartingWith("vecrnn.threads must be an integer from 1 to " + max)
                        .hasMessageEndingWith("got '" + bad + "'");
            }
        } finally {
            if (old == null) {
                System.clearProperty(ThreadTeam.THREADS_PROPERTY);
            } else {
                System.setProperty(ThreadTeam.THREADS_PROPERTY, old);
            }
        }
    }

    /** When the system refuses a thread part-way, the workers already started end instead of parking forever. */
    @Test
    void aWorkerThatCannotStartStopsTheOnesThatDid() throws Exception {
        java.util.List<Thread> made = new java.util.ArrayList<>();
        java.util.concurrent.ThreadFactory failsOnThird = body -> {
            if (made.size() == 2) {
                throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
            }
            Thread t = new Thread(body);
            t.setDaemon(true);
            made.add(t);
            return t;
        };
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ThreadTeam(4, failsOnThird))
                .isInstanceOf(OutOfMemoryError.class).hasMessageContaining("native thread");
        org.assertj.core.api.Assertions.assertThat(made).hasSize(2);
        for (Thread t : made) {
            t.join(10_000);
            org.assertj.core.api.Assertions.assertThat(t.isAlive()).as("%s still running", t.getName()).isFalse();
        }
    }
}
