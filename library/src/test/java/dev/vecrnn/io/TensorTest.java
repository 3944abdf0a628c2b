package dev.vecrnn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void factoriesCheckShapeAgainstData() {
        assertThatThrownBy(() -> Tensor.of(new float[5], 2, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shape [2, 3] has 6 elements but data has 5");
        assertThatThrownBy(() -> Tensor.of(new float[1], -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative");
        assertThatThrownBy(() -> Tensor.of(new float[4], 65536, 65536, 65536, 65536))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 2^63-1 elements");
        assertThatThrownBy(() -> Tensor.ofLongs(new long[1], 65536, 65536, 65536, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has 0 elements");
        assertThatThrownBy(() -> Tensor.of(null, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tensor.of(new float[1], (int[]) null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Tensor.of(new float[0], 65536, 65536, 0).numel()).isZero();
        assertThat(Tensor.of(new float[] {2}).rank()).isZero();
    }

    @Test
    void shapeIsCopiedDataIsShared() {
        int[] shape = {2, 2};
        float[] data = {1, 2, 3, 4};
        Tensor t = Tensor.of(data, shape);
        shape[0] = 4;
        t.shape()[1] = 7;
        assertThat(t.shape()).containsExactly(2, 2);
        assertThat(t.data()).isSameAs(data);
        assertThat(t.toFloats()).isNotSameAs(data).containsExactly(1, 2, 3, 4);
        assertThat(t.dim(1)).isEqualTo(2);
        assertThat(t.hasShape(2, 2)).isTrue();
        assertThat(t).hasToString("Tensor[F32 [2, 2]]");
    }

    @Test
    void conversions() {
        Tensor f = Tensor.of(new float[] {3, -2, 0}, 3);
        assertThat(f.toLongs()).containsExactly(3, -2, 0);
        assertThat(f.toInts()).containsExactly(3, -2, 0);
        assertThat(Tensor.of(new float[] {0x1p40f}, 1).toLongs()).containsExactly(1L << 40);
        assertThatThrownBy(() -> Tensor.of(new float[] {1, 2.5f}, 2).toLongs())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("element 1 is 2.5");
        assertThatThrownBy(() -> Tensor.of(new float[] {Float.NaN}, 1).toLongs()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Tensor.of(new float[] {0x1p63f}, 1).toLongs()).isInstanceOf(IllegalStateException.class);
        assertThat(Tensor.of(new float[] {-0x1p63f}, 1).toLongs()).containsExactly(Long.MIN_VALUE);
        assertThatThrownBy(() -> Tensor.of(new float[] {0x1p31f}, 1).toInts()).isInstanceOf(IllegalStateException.class);
        assertThat(Tensor.of(new float[] {-0x1p31f}, 1).toInts()).containsExactly(Integer.MIN_VALUE);
        assertThatThrownBy(() -> Tensor.of(new float[] {Float.POSITIVE_INFINITY}, 1).toInts())
                .isInstanceOf(IllegalStateException.class);

        Tensor l = Tensor.ofLongs(new long[] {5, 1L << 32}, 2);
        assertThat(l.toFloats()).containsExactly(5f, 0x1p32f);
        assertThat(l.toLongs()).containsExactly(5, 1L << 32).isNotSameAs(l.longData());
        assertThatThrownBy(l::toInts).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("element 1 is 4294967296");
        assertThatThrownBy(l::data).isInstanceOf(IllegalStateException.class).hasMessageContaining("I64");
        assertThatThrownBy(f::longData).isInstanceOf(IllegalStateException.class).hasMessageContaining("F32");

        Tensor i = Tensor.ofInts(new int[] {7, -1}, 2, 1);
        assertThat(i.dtype()).isEqualTo(DType.I32);
        assertThat(i.longData()).containsExactly(7, -1);
        assertThat(i.toInts()).containsExactly(7, -1);
    }

    @Test
    void equalityIsDtypeShapeAndBits() {
        assertThat(Tensor.of(new float[] {1, 2}, 2)).isEqualTo(Tensor.of(new float[] {1, 2}, 2))
                .hasSameHashCodeAs(Tensor.of(new float[] {1, 2}, 2))
                .isNotEqualTo(Tensor.of(new float[] {1, 2}, 1, 2))
                .isNotEqualTo(Tensor.ofLongs(new long[] {1, 2}, 2));
        assertThat(Tensor.ofInts(new int[] {1}, 1)).isNotEqualTo(Tensor.ofLongs(new long[] {1}, 1));
        assertThat(Tensor.of(new float[] {0f}, 1)).isNotEqualTo(Tensor.of(new float[] {-0f}, 1));
    }

    @Test
    void dtypeSizes() {
        assertThat(DType.F32.byteSize()).isEqualTo(4);
        assertThat(DType.F64.byteSize()).isEqualTo(8);
        assertThat(DType.F16.byteSize()).isEqualTo(2);
        assertThat(DType.BF16.byteSize()).isEqualTo(2);
        assertThat(DType.I32.byteSize()).isEqualTo(4);
        assertThat(DType.I64.byteSize()).isEqualTo(8);
        assertThat(DType.BF16.isFloating()).isTrue();
        assertThat(DType.I32.isFloating()).isFalse();
    }

    @Test
    void requireFloatsReturnsTheFloatDataAndRefusesIntegerTensorsNamingThem() {
        float[] x = {1, 2};
        assertThat(Tensor.of(x, 2).requireFloats("x")).isSameAs(x);
        assertThatThrownBy(() -> Tensor.ofLongs(new long[] {1, 2}, 1, 2).requireFloats("h0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tensor 'h0' is I64 [1, 2], expected a floating-point tensor (F32, F64, F16 or BF16)");
        assertThatThrownBy(() -> Tensor.ofInts(new int[] {3}, 1).requireFloats("x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("tensor 'x' is I32 [1]");
    }
}
