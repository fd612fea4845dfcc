# Two commands do everything on a fresh machine: `make run` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
LEA    := $(VENV)/bin/lea
STAMP  := $(VENV)/.installed
SCALE  ?=
ENV    ?= local
PYTEST_ARGS ?=

.PHONY: setup run test clean cluster-up cluster-down bench browser

$(STAMP): pyproject.toml requirements.lock
	@command -v java >/dev/null 2>&1 || { echo "ERROR: Java was not found. Spark needs a Java 17 runtime: install it (e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME."; exit 1; }
	@command -v python3 >/dev/null 2>&1 || { echo "ERROR: python3 (3.11) was not found."; exit 1; }
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e . 2>&1 | grep -v "^WARNING: Location" || true
	@$(PY) -c "import pyspark, deltalake, mlflow, lea_spark" || { echo "ERROR: the environment in $(VENV) is incomplete; see the pip output above."; exit 1; }
	@touch $(STAMP)

setup: $(STAMP)

# A public demonstration key for synthetic data only; real extracts need a secret key.
run: export LEA_PSEUDONYM_KEY ?= lea-synthetic-demo-key
run: setup
	$(LEA) run --env $(ENV) $(if $(SCALE),--scale $(SCALE),)

browser:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)

test: setup browser
	$(PY) -m pytest -q $(PYTEST_ARGS)

cluster-up: setup
	deploy/local-cluster up

cluster-down:
	deploy/local-cluster down

clean:
	rm -rf raw raw_truth lakehouse mlflow.db mlartifacts reports spark-warehouse test-output
