package dev.vecrnn.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The unit blocks of the gate interleaving: one share per worker, whole panels, never below 16 units. */
class UnitBlockTest {
    @Test
    void oneBlockPerWorkerInWholePanels() {
        assertEquals(512, PackedWeights.unitBlock(512, 32, 1));
        assertEquals(256, PackedWeights.unitBlock(512, 32, 2));
        assertEquals(64, PackedWeights.unitBlock(512, 32, 8));
        assertEquals(160, PackedWeights.unitBlock(500, 32, 3), "500 / 3 = 166 units, rounded down to 5 panels");
        assertEquals(96, PackedWeights.unitBlock(100, 48, 1), "two whole panels of 48 fit in 100 units");
    }

    @Test
    void neverBelowSixteenUnitsNorOnePanel() {
        assertEquals(32, PackedWeights.unitBlock(70, 32, 3));
        assertEquals(16, PackedWeights.unitBlock(70, 16, 8));
        assertEquals(16, PackedWeights.unitBlock(1, 8, 1), "two panels of 8 make the least block");
        assertEquals(64, PackedWeights.unitBlock(64, 64, 4));
        assertEquals(32, PackedWeights.unitBlock(10, 32, 0), "a team size of 0 is taken as 1");
    }
}
