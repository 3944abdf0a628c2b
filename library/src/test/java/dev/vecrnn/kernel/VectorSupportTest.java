package dev.vecrnn.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VectorSupportTest {

    @Test
    void kernelsUseTheSelectedWidth() {
        String asked = System.getProperty(VectorSupport.BITS_PROPERTY, "").trim();
        if (!VectorSupport.ENABLED) {
            assertThat(asked.equals("0") || !VectorSupport.MODULE_PRESENT).isTrue();
            return;
        }
        // The species the kernels use must be the width VectorSupport reports (an init-order
        // bug once pinned it to 128 bits whatever was selected).
        assertThat(Lanes.F.vectorBitSize()).isEqualTo(VectorSupport.BITS);
        assertThat(Lanes.N).isEqualTo(VectorSupport.FLOAT_LANES);
        assertThat(Lanes.I.length()).isEqualTo(Lanes.N);
        int expected = asked.isEmpty() ? VectorSupport.preferredBits()
                : Math.min(Integer.parseInt(asked), VectorSupport.preferredBits());
        assertThat(VectorSupport.BITS).isEqualTo(expected);
    }
}
