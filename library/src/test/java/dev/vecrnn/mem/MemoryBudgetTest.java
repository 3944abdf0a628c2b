package dev.vecrnn.mem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    @Test
    void requestThatFitsPassesOneThatDoesNotGetsOneLineWithEstimateLimitAndFlag() {
        MemoryBudget b = TestMemoryBudgets.fake(4 * GIB, 600 * MIB);
        // reserve = 4 GiB / 16 = 256 MiB, so 4096 - 600 - 256 = 3240 MiB are available
        assertThat(b.availableBytes()).isEqualTo(3240 * MIB);
        assertThatCode(() -> b.check(3240 * MIB, "fits exactly")).doesNotThrowAnyException();
        long ask = (long) (8.5 * GIB);
        assertThatThrownBy(() -> b.check(ask, "weights.safetensors: reading 4 tensors"))
                .isInstanceOf(InsufficientMemoryException.class)
                .hasMessage("weights.safetensors: reading 4 tensors needs about 8.50 GiB, but the Java heap has about "
                        + "3.16 GiB free (limit 4.00 GiB, 600.0 MiB in use, 256.0 MiB kept in reserve); raise the "
                        + "limit with -Xmx10g (for the vecrnn scripts: VECRNN_JAVA_OPTS=-Xmx10g)")
                .satisfies(e -> {
                    InsufficientMemoryException m = (InsufficientMemoryException) e;
                    assertThat(m.requiredBytes()).isEqualTo(ask);
                    assertThat(m.availableBytes()).isEqualTo(3240 * MIB);
                    assertThat(m.heapLimitBytes()).isEqualTo(4 * GIB);
                    assertThat(m.suggestedMaxHeapFlag()).isEqualTo("-Xmx10g");
                    assertThat(m.getMessage()).doesNotContain("\n");
                });
    }

    @Test
    void theSuggestedLimitLetsTheSameRequestThrough() {
        long[] inUse = {0, 5 * MIB, 300 * MIB, 3 * GIB};
        long[] asks = {40 * MIB, 700 * MIB, GIB - 1, GIB, 3 * GIB + 7, 17 * GIB};
        for (long used : inUse) {
            for (long ask : asks) {
                MemoryBudget small = TestMemoryBudgets.fake(used + 32 * MIB, used);
                InsufficientMemoryException e = org.junit.jupiter.api.Assertions.assertThrows(
                        InsufficientMemoryException.class, () -> small.check(ask, "x"));
                String flag = e.suggestedMaxHeapFlag();
                long limit = Long.parseLong(flag.substring(4, flag.length() - 1))
                        * (flag.endsWith("g") ? GIB : MIB);
                assertThatCode(() -> TestMemoryBudgets.fake(limit, used).check(ask, "x"))
                        .as("%s for %d bytes with %d in use", flag, ask, used).doesNotThrowAnyException();
                assertThatThrownBy(() -> TestMemoryBudgets.fake(limit - (flag.endsWith("g") ? GIB : MIB), used)
                        .check(ask, "x")).as("one unit below %s", flag).isInstanceOf(InsufficientMemoryException.class);
            }
        }
    }

    /** Parallel GC: large arrays go to an old generation of about 2/3 of -Xmx; the budget and the flag say so. */
    @Test
    void aBudgetOverTheOldGenerationSuggestsAnXmxThatGivesItRoom() {
        MemoryBudget old = new MemoryBudget(() -> 2 * GIB, () -> 0, () -> { }, () -> 1.5);
        assertThatThrownBy(() -> old.check(3 * GIB, "gates"))
                .isInstanceOf(InsufficientMemoryException.class)
                .hasMessageContaining("the Java heap's old generation (where large arrays go; 67% of -Xmx with this collector)")
                .hasMessageContaining("limit 2.00 GiB")
                // 3 GiB + 1/15 for the reserve = 3.2 GiB of old generation, 4.8 GiB of heap
                .satisfies(e -> assertThat(((InsufficientMemoryException) e).suggestedMaxHeapFlag()).isEqualTo("-Xmx5g"));
        MemoryBudget sameOldAt5g = new MemoryBudget(() -> 5 * GIB * 2 / 3, () -> 0, () -> { }, () -> 1.5);
        assertThatCode(() -> sameOldAt5g.check(3 * GIB, "gates")).doesNotThrowAnyException();
    }

    @Test
    void theHeapBudgetOfThisJvmUsesTheOldGenerationUnderParallelGc() {
        // the tests run with -XX:+UseParallelGC (the build's argLine), whose old generation is a fixed share
        boolean parallel = java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .anyMatch(g -> g.getName().startsWith("PS "));
        org.junit.jupiter.api.Assumptions.assumeTrue(parallel, "runs under Parallel GC");
        long oldMax = java.lang.management.ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getName().equals("PS Old Gen")).findFirst().orElseThrow().getUsage().getMax();
        assertThat(MemoryBudget.heap().limitBytes()).isEqualTo(oldMax).isLessThan(Runtime.getRuntime().maxMemory());
    }

    @Test
    void garbageIsCollectedBeforeARequestIsRefusedButNotForHopelessOnes() {
        AtomicLong inUse = new AtomicLong(900 * MIB);
        AtomicInteger collections = new AtomicInteger();
        MemoryBudget b = new MemoryBudget(() -> GIB, inUse::get, () -> {
            collections.incrementAndGet();
            inUse.set(100 * MIB); // the collector found 800 MiB of garbage
        });
        assertThatCode(() -> b.check(500 * MIB, "after garbage")).doesNotThrowAnyException();
        assertThat(collections).hasValue(1);
        assertThatCode(() -> b.check(500 * MIB, "again")).doesNotThrowAnyException();
        assertThat(collections).hasValue(1); // fitted without collecting
        assertThatThrownBy(() -> b.check(2 * GIB, "more than the whole heap"))
                .isInstanceOf(InsufficientMemoryException.class);
        assertThat(collections).hasValue(1); // no collection can make 2 GiB fit in 1 GiB
    }

    @Test
    void unlimitedHeapAndBadArguments() {
        MemoryBudget unlimited = TestMemoryBudgets.fake(Long.MAX_VALUE, GIB);
        assertThatCode(() -> unlimited.check(Long.MAX_VALUE / 2, "x")).doesNotThrowAnyException();
        assertThat(unlimited.availableBytes()).isEqualTo(Long.MAX_VALUE);
        assertThatThrownBy(() -> unlimited.check(-1, "thing")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("thing").hasMessageContaining("-1");
        assertThatThrownBy(() -> unlimited.check(1, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theRealHeapRefusesTwiceItsLimitAndGrantsAMegabyte() {
        MemoryBudget heap = MemoryBudget.heap();
        long max = Runtime.getRuntime().maxMemory();
        // the whole heap, or under Parallel/Serial GC the old generation large arrays go to (see the test above)
        assertThat(heap.limitBytes()).isPositive().isLessThanOrEqualTo(max);
        assertThatCode(() -> heap.check(MIB, "one megabyte")).doesNotThrowAnyException();
        assertThatThrownBy(() -> heap.check(2 * max, "twice the heap")).isInstanceOf(InsufficientMemoryException.class)
                .hasMessageStartingWith("twice the heap needs about ").hasMessageContaining("VECRNN_JAVA_OPTS=-Xmx");
    }
}
