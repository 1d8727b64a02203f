# make demo   install classification (mmcv-lite: nothing to build) + train the Fashion-MNIST
#             baseline on CPU, print its top-1
# make test   install everything (mmcv with its ops, built once and cached; mmdet) + the test suite
# make bench  install (cached) + the step-time / throughput benchmarks (benchmarks/speed/)
# make table  install (cached) + the accuracy table (benchmarks/accuracy/; resumes; hours on 2 cores)
# make teachers  train the Fashion-MNIST teacher the distillation configs need (when missing)
# make demo-detection  the detection backbone swap end to end on generated data (~15 min CPU)
VENV ?= .venv
PY := $(VENV)/bin/python
export VENV

.PHONY: install install-lite demo demo-detection test bench table teachers clean

install:
	bash scripts/install.sh full

install-lite:
	bash scripts/install.sh lite

demo: install-lite
	$(PY) tools/train.py configs/baseline/resnet20_1xb128_fashion-mnist.py --work-dir work_dirs/demo

test: install
	$(PY) -m pytest -q tests

teachers: install-lite
	$(PY) tools/train_teachers.py

bench: install-lite
	$(PY) -m benchmarks.run_all

table: install-lite
	$(PY) -m benchmarks.accuracy.run_table

clean:
	rm -rf work_dirs .pytest_cache

demo-detection: install
	$(PY) tools/demo_detection.py
