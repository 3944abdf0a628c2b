/**
 * Tensor files: {@link dev.vecrnn.io.SafeTensors} reads and writes safetensors files (the usual
 * way to move a PyTorch {@code state_dict} in and out), {@link dev.vecrnn.io.Npy} reads and writes
 * NumPy {@code .npy} arrays, both as {@link dev.vecrnn.io.Tensor}s.
 *
 * <p>Readers reject malformed files with a {@link dev.vecrnn.io.TensorFileException} naming the
 * file and the problem, and files too large for the heap with a
 * {@link dev.vecrnn.mem.InsufficientMemoryException} before allocating; writers replace files
 * atomically through {@link dev.vecrnn.io.AtomicFiles}, the one way the project writes a file,
 * which never replaces anything but a regular file.
 */
package dev.vecrnn.io;
