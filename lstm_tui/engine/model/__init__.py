"""The network: the two-layer LSTM language model and the fused kernels its training step runs on."""
