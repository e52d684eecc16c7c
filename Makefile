# Two commands matter: `make demo` and `make test`. Everything they need is installed by `make setup`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin


.PHONY: chaos demo test setup system-packages lint unit integration crds cluster-up cluster-down clean chart plugin image fleet-bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

system-packages:
	hack/install-system-packages

setup: system-packages $(VENV)/.installed
	hack/local-cluster build

# Where the control plane and the demo keep their files (the README's quick-start test moves both).
LOCAL_CLUSTER_DIR ?= .cache/local-cluster
DEMO_DIR ?= .cache/demo

demo: setup
	hack/local-cluster up
	$(BIN)/tenantsync demo --kubeconfig $(LOCAL_CLUSTER_DIR)/kubeconfig --workdir $(DEMO_DIR)

lint: $(VENV)/.installed
	$(BIN)/ruff check operator tests benchmarks
	$(BIN)/ruff format --check operator tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: $(VENV)/.installed
	$(BIN)/pytest tests/unit

test: setup lint
	$(BIN)/pytest tests

# The fault storm (issue 11), its figures printed; more rounds: make chaos CHAOS_ROUNDS=40
CHAOS_ROUNDS ?= 10
chaos: setup
	TENANTSYNC_CHAOS=1 TENANTSYNC_CHAOS_ROUNDS=$(CHAOS_ROUNDS) $(BIN)/pytest -s -p no:cacheprovider tests/chaos

crds: $(VENV)/.installed
	$(BIN)/tenantsync crds > crds/tenantsync.io_crds.yaml
	cp crds/tenantsync.io_crds.yaml charts/tenantsync/crds/tenantsync.io_crds.yaml

# Release artifacts in dist/: the Helm chart (linted and rendered for every supported Kubernetes minor with
# the admission APIs it serves, hack/lint-chart; then `helm package`d) and the kubectl plugin's krew
# archive with its manifest.
chart:
	helm="$$(hack/build-helm)" && HELM="$$helm" hack/lint-chart && "$$helm" package charts/tenantsync --destination dist

plugin: $(VENV)/.installed
	hack/package-plugin

# The operator's image with buildah on a debootstrapped Debian base (no Docker engine, no registry; root).
image:
	hack/build-image

# The fleet benchmark (issue 13): N tenants on one operator, figures printed. E.g.
# make fleet-bench FLEET_BENCH_ARGS="--tenants 300 --minutes 12"
# A burst soak (issue 25): every Tenant at once every 15 minutes for two hours, RSS/CPU/open files a minute:
# make fleet-bench FLEET_BENCH_ARGS="--tenants 1000 --burst --interval-minutes 15 --soak-hours 2 --history-limit 3"
FLEET_BENCH_ARGS ?= --tenants 100
fleet-bench: setup
	$(BIN)/python benchmarks/fleet_bench.py $(FLEET_BENCH_ARGS)

cluster-up:
	hack/local-cluster up

cluster-down:
	hack/local-cluster down

clean: cluster-down
	rm -rf $(VENV) .cache
