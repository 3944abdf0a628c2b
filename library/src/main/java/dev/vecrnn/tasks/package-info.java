/**
 * Generated sequence tasks, each an endless, seeded stream of batches with a baseline and a
 * success threshold: the adding problem ({@link dev.vecrnn.tasks.AddingTask}), the copy task
 * ({@link dev.vecrnn.tasks.CopyTask}), next-value prediction of a noisy sum of sines
 * ({@link dev.vecrnn.tasks.SineTask}) and a character language model
 * ({@link dev.vecrnn.tasks.CharLmTask}). They implement {@link dev.vecrnn.train.Task}; a
 * {@link dev.vecrnn.train.Trainer} takes their batches through
 * {@link dev.vecrnn.train.Task#batches(int)}.
 */
package dev.vecrnn.tasks;
