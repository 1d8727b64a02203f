"""Benchmarks of mmkd-plugins, run from the repository root as modules:
``python -m benchmarks.run_all`` (speed, `make bench`) and ``python -m benchmarks.accuracy.run_table``
(the accuracy table, `make table`)."""
