"""Step-time and throughput benchmarks: ratios measured side by side in one process
(README: benchmarks/speed/README.md)."""
