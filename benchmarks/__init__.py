"""Benchmarks of mmkd-plugins, run from the repository root as modules:
``python -m benchmarks.run_all`` (speed, `make bench`), ``python -m benchmarks.accuracy.run_table``
(the accuracy table, `make table`) and ``python -m benchmarks.gpu_check`` (the GPU check)."""
