/**
 * Models and training. {@link dev.vecrnn.train.Model} is the entry point: a recurrent stack and a
 * dense head scored by a loss, with Keras-like {@link dev.vecrnn.train.Model#fit fit} over a
 * {@link dev.vecrnn.train.Dataset} ({@link dev.vecrnn.train.Fit}, {@link dev.vecrnn.train.FitHistory}),
 * {@link dev.vecrnn.train.Model#predict predict}, and save/load of the whole model in PyTorch's
 * names. Below it: the {@link dev.vecrnn.train.Trainer}, which trains a model on any
 * {@link dev.vecrnn.train.BatchSource} (a data set, a generated {@link dev.vecrnn.train.Task}) with
 * micro-batch accumulation, truncated BPTT, a divergence bound and bit-exact checkpoints
 * ({@link dev.vecrnn.train.Checkpoint}); losses and the dense head
 * ({@link dev.vecrnn.train.Losses}, {@link dev.vecrnn.train.Dense}, {@link dev.vecrnn.train.LossHead});
 * optimizers with PyTorch's update rules ({@link dev.vecrnn.train.Sgd},
 * {@link dev.vecrnn.train.RmsProp}, {@link dev.vecrnn.train.Adam}); global-norm gradient clipping,
 * learning-rate schedules and initialisation schemes ({@link dev.vecrnn.train.Init}); and
 * {@link dev.vecrnn.train.VectorApi}, which says whether the vector kernels run.
 *
 * <p>Every trainable tensor is a {@link dev.vecrnn.nn.Parameter} (value and gradient arrays,
 * PyTorch name and shape), so optimizers, clipping and checkpoints treat the recurrent layers and
 * the head alike.
 */
package dev.vecrnn.train;
