/**
 * Training: losses and the dense head ({@link dev.vecrnn.train.Losses},
 * {@link dev.vecrnn.train.Dense}, {@link dev.vecrnn.train.LossHead}), optimizers with PyTorch's
 * update rules ({@link dev.vecrnn.train.Sgd}, {@link dev.vecrnn.train.RmsProp},
 * {@link dev.vecrnn.train.Adam}), global-norm gradient clipping, learning-rate schedules,
 * initialisation schemes ({@link dev.vecrnn.train.Init}), and the
 * {@link dev.vecrnn.train.Trainer} that ties them to a {@link dev.vecrnn.nn.RecurrentLayer} and a
 * {@link dev.vecrnn.train.Task} (the generators implementing it live in {@code dev.vecrnn.tasks},
 * above this package), with truncated BPTT and bit-exact checkpoints ({@link dev.vecrnn.train.Checkpoint}).
 *
 * <p>Every trainable tensor is a {@link dev.vecrnn.nn.Parameter} (value and gradient arrays,
 * PyTorch name and shape), so optimizers, clipping and checkpoints treat the recurrent layers and
 * the head alike. Internal for now: the module does not export this package.
 */
package dev.vecrnn.train;
