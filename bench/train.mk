# bench: training throughput vs PyTorch (train module)
