package dev.vecrnn.io;

import dev.vecrnn.mem.MemoryBudget;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The bounds a reader holds a file to, so that what it allocates is bounded by them and by the
 * file's size, never by a number in the file alone. Production readers use {@link #safeTensors()}
 * and {@link #npy()}; tests lower the limits to reach each check with a small file.
 *
 * @param maxHeaderBytes largest header accepted
 * @param maxHeaderEntries most header entries (tensors plus metadata keys) accepted
 * @param maxRank most dimensions of one tensor
 * @param maxElements most elements of one tensor
 * @param memory the budget the tensors' arrays are checked against before they are allocated
 */
record ReadLimits(long maxHeaderBytes, int maxHeaderEntries, int maxRank, long maxElements, MemoryBudget memory) {
    /**
     * Most dimensions of a tensor: NumPy's own limit (64 since NumPy 2); PyTorch tensors have far
     * fewer in practice.
     */
    static final int MAX_RANK = 64;

    static ReadLimits safeTensors() {
        return new ReadLimits(SafeTensors.MAX_HEADER_BYTES, SafeTensors.MAX_HEADER_ENTRIES, MAX_RANK,
                Tensor.MAX_ELEMENTS, MemoryBudget.heap());
    }

    static ReadLimits npy() {
        return new ReadLimits(Npy.MAX_HEADER_BYTES, Integer.MAX_VALUE, MAX_RANK, Tensor.MAX_ELEMENTS,
                MemoryBudget.heap());
    }

    ReadLimits withMaxElements(long n) {
        return new ReadLimits(maxHeaderBytes, maxHeaderEntries, maxRank, n, memory);
    }

    ReadLimits withMaxHeaderBytes(long n) {
        return new ReadLimits(n, maxHeaderEntries, maxRank, maxElements, memory);
    }

    ReadLimits withMaxHeaderEntries(int n) {
        return new ReadLimits(maxHeaderBytes, n, maxRank, maxElements, memory);
    }

    ReadLimits withMemory(MemoryBudget m) {
        return new ReadLimits(maxHeaderBytes, maxHeaderEntries, maxRank, maxElements, m);
    }

    /**
     * The element count of {@code shape} (dimensions already known to be {@code >= 0}), or a
     * {@link TensorFileException} if one array cannot hold it. A zero dimension makes it 0 whatever
     * the others are.
     *
     * @param tensor the tensor's name, for the message, or null (a file of one array)
     */
    int numel(Path file, String tensor, int[] shape) throws TensorFileException {
        long n = 1;
        boolean beyondInt = false;
        for (int d : shape) {
            if (d == 0) {
                return 0;
            }
            if (!beyondInt) {
                n *= d; // n <= 2^31-1 and d < 2^31 before each step: no overflow
                beyondInt = n > Integer.MAX_VALUE;
            }
        }
        String what = tensor == null ? "" : "tensor '" + tensor + "': ";
        if (beyondInt) {
            throw new TensorFileException(file, what + "shape " + Arrays.toString(shape)
                    + " has more than 2^31-1 elements, too many for one Java array");
        }
        if (n > maxElements) {
            throw new TensorFileException(file, what + "shape " + Arrays.toString(shape) + " has " + n
                    + " elements, more than the " + maxElements + " one Java array can hold");
        }
        return (int) n;
    }
}
