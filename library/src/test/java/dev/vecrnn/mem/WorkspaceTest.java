package dev.vecrnn.mem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WorkspaceTest {

    @Test
    void reusesTheBufferOfAKey() {
        Workspace ws = new Workspace();
        float[] a = ws.carve("gates", 100);
        a[3] = 7f;
        assertThat(ws.carve("gates", 100)).isSameAs(a);
        assertThat(ws.carve("gates", 50)).isSameAs(a);
        assertThat(ws.floats("gates", 100)).isSameAs(a);
        assertThat(ws.floats("gates", 50)).isSameAs(a);
        assertThat(ws.carve("other", 100)).isNotSameAs(a);
        assertThat(ws.zeroed("gates", 100)[3]).isZero();
        assertThat(ws.bytesHeld()).isEqualTo(800);
    }

    @Test
    void carvingGrowsWhenAskedForMore() {
        Workspace ws = new Workspace();
        float[] a = ws.carve("k", 10);
        float[] b = ws.carve("k", 11);
        assertThat(b).isNotSameAs(a).hasSize(11);
        assertThat(ws.floats("k", 11)).isSameAs(b);
        assertThat(ws.bytesHeld()).isEqualTo(44);
    }

    @Test
    void askingForMoreThanWasCarvedFailsInsteadOfHandingOutFreshZeros() {
        Workspace ws = new Workspace();
        float[] saved = ws.carve("gates", 10);
        saved[0] = 5f;
        assertThatThrownBy(() -> ws.floats("gates", 11))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'gates'").hasMessageContaining("10 floats").hasMessageContaining("asked for 11");
        assertThatThrownBy(() -> ws.zeroed("gates", 11)).isInstanceOf(IllegalStateException.class);
        // the failed request changed nothing
        assertThat(ws.floats("gates", 10)).isSameAs(saved);
        assertThat(saved[0]).isEqualTo(5f);
        assertThat(ws.bytesHeld()).isEqualTo(40);
    }

    @Test
    void aKeyThatWasNeverCarvedFails() {
        Workspace ws = new Workspace();
        ws.carve("h", 4);
        assertThatThrownBy(() -> ws.floats("c", 4))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'c'").hasMessageContaining("never carved");
        ws.clear();
        assertThatThrownBy(() -> ws.floats("h", 4)).isInstanceOf(IllegalStateException.class);
        assertThat(ws.bytesHeld()).isZero();
    }

    @Test
    void aWarmLookupAllocatesNothing() {
        Workspace ws = new Workspace();
        Object key = "state";
        ws.carve(key, 256);
        for (int i = 0; i < 20_000; i++) {
            ws.floats(key, 256);
            ws.carve(key, 256);
        }
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10_000; i++) {
            ws.floats(key, 256);
            ws.carve(key, 256);
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
        assertThatThrownBy(() -> new Workspace().carve("x", -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'x'");
        assertThatThrownBy(() -> new Workspace().floats("x", -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'x'");
    }

    @Test
    void bytesToCarveSaysWhatACarveWouldAllocate() {
        Workspace ws = new Workspace();
        assertThat(ws.bytesToCarve("g", 10)).isEqualTo(40);
        ws.carve("g", 10);
        assertThat(ws.bytesToCarve("g", 10)).isZero();
        assertThat(ws.bytesToCarve("g", 7)).isZero();
        assertThat(ws.bytesToCarve("g", 11)).isEqualTo(44);
        assertThat(ws.bytesHeld()).as("asking allocates nothing").isEqualTo(40);
    }
}
