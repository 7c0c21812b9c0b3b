# bench: trace read throughput (data module)
