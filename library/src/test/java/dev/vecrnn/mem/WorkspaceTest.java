package dev.vecrnn.mem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WorkspaceTest {

    @Test
    void reusesTheBufferOfAKey() {
        Workspace ws = new Workspace();
        float[] a = ws.floats("gates", 100);
        a[3] = 7f;
        assertThat(ws.floats("gates", 100)).isSameAs(a);
        assertThat(ws.floats("gates", 50)).isSameAs(a);
        assertThat(ws.floats("other", 100)).isNotSameAs(a);
        assertThat(ws.zeroed("gates", 100)[3]).isZero();
        assertThat(ws.bytesHeld()).isEqualTo(800);
    }

    @Test
    void growsWhenAskedForMore() {
        Workspace ws = new Workspace();
        float[] a = ws.floats("k", 10);
        float[] b = ws.floats("k", 11);
        assertThat(b).isNotSameAs(a).hasSize(11);
        assertThat(ws.bytesHeld()).isEqualTo(44);
    }

    @Test
    void aWarmLookupAllocatesNothing() {
        Workspace ws = new Workspace();
        Object key = "state";
        for (int i = 0; i < 20_000; i++) {
            ws.floats(key, 256);
        }
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10_000; i++) {
            ws.floats(key, 256);
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).isLessThan(1024);
    }

    @Test
    void paddedLeadingDimensionsAreWholeLinesAndAvoid4KiBMultiples() {
        for (int n = 1; n < 5000; n++) {
            int ld = Workspace.paddedLd(n);
            assertThat(ld).isGreaterThanOrEqualTo(n);
            assertThat(ld % 16).isZero();
            assertThat(ld % 1024).isNotZero();
            assertThat(ld - n).isLessThan(32);
        }
    }

    @Test
    void rejectsNegativeLength() {
        assertThatThrownBy(() -> new Workspace().floats("x", -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'x'");
    }
}
