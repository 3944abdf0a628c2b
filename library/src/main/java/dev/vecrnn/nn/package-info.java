/**
 * Recurrent layers (vanilla RNN, LSTM, GRU) with PyTorch-compatible named parameters, trained by
 * backpropagation through time and run for inference. Start at {@link dev.vecrnn.nn.RecurrentLayer}.
 */
package dev.vecrnn.nn;
