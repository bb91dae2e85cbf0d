"""The process around the model: the one Chainer import, device choice, BLAS threads and malloc tuning."""
