package dev.vecrnn.mem;

/** Budgets over a small, fixed fake heap, so tests reach the memory checks with small inputs. */
public final class TestMemoryBudgets {
    private TestMemoryBudgets() {}

    /** A heap with limit {@code limitBytes} of which {@code inUseBytes} are in use (and live). */
    public static MemoryBudget fake(long limitBytes, long inUseBytes) {
        return new MemoryBudget(() -> limitBytes, () -> inUseBytes, () -> { });
    }
}
