# aws-cost-notifier: `make demo` and `make test` are the two commands; `make help` lists the rest.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < requirements-dev.txt | cut -d' ' -f1)

DATE    ?=
PROFILE ?= small
FORCE   ?=
FRESH   ?=
FAIL_AT ?=
REDRIVE ?=
REVISED ?=
SEED    ?= 7
PYTEST_ARGS ?=
ARGS ?=
# pytest-xdist workers: one per core ("auto"); WORKERS=0 runs the tests in this process (one test, a debugger).
WORKERS ?= auto

.DEFAULT_GOAL := help
.PHONY: help demo test test-fast lint venv clean distclean lock catalogue test-sfn-local preview

help: ## Show this list
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {name[++n] = $$1; text[n] = $$2; if (length($$1) > w) w = length($$1)} \
	  END {for (i = 1; i <= n; i++) printf "  make %-" w "s  %s\n", name[i], text[i]}' $(MAKEFILE_LIST)
	@echo "  Options: make demo DATE=YYYY-MM-DD PROFILE=small|large-org FORCE=1 FRESH=1 FAIL_AT=<State> REDRIVE=1 REVISED=1 SEED=7"
	@echo "  (FORCE, FRESH, REDRIVE and REVISED: 1/true/yes/on, or 0/false/no/off)"

# FORCE, FRESH, REDRIVE and REVISED reach local.demo as given, so FORCE=0 (or false, no, off) means not forced.
demo: $(STAMP) ## Run the real workflow on the embedded AWS; writes out/report.{html,txt,eml}, out/execution.json (out/<PROFILE>/ for large-org)
	$(BIN)/python -m local.demo $(strip --profile $(PROFILE) --seed $(SEED) $(if $(DATE),--date $(DATE)) \
	  $(if $(FORCE),--force='$(FORCE)') $(if $(FRESH),--fresh='$(FRESH)') $(if $(FAIL_AT),--fail-at $(FAIL_AT)) \
	  $(if $(REDRIVE),--redrive='$(REDRIVE)') $(if $(REVISED),--revised='$(REVISED)'))

test: lint ## The gates, then every test (unit, handlers, the real state machine, catalogue, model, infra)
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The lanes are pytest markers that tests/conftest.py gives each folder (pyproject.toml says what each proves).
FAST_LANES := (unit or handler or golden) and not slow

test-fast: lint ## The gates, then the unit, handler and golden tests (seconds)
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup -m "$(FAST_LANES)" $(PYTEST_ARGS)

# Every gate runs, and the target fails if any did: one run shows all the findings.
GATES := "$(BIN)/ruff check ." \
         "$(BIN)/ruff format --check ." \
         "$(BIN)/mypy" \
         "$(BIN)/python -m scripts.function_length functions"

lint: $(STAMP) ## The gates: ruff check, ruff format --check, mypy --strict on functions/, function length <= 50 lines
	@failed=""; for gate in $(GATES); do echo "+ $$gate"; $$gate || failed="$$failed\n  $$gate"; done; \
	  if [ -n "$$failed" ]; then printf "Gates failed:$$failed\n"; exit 1; fi

preview: $(STAMP) ## Your real costs, rendered into out/preview/ with your AWS credentials; sends nothing (ARGS="--help")
	$(BIN)/python -m local.preview $(ARGS)

catalogue: $(STAMP) ## Run the fault catalogue and rewrite its results table in docs/reliability.md
	$(BIN)/python -m scripts.catalogue_table

test-sfn-local: $(STAMP) ## Run the catalogue's mock-config cases in amazon/aws-stepfunctions-local (needs Docker)
	$(BIN)/python -m tests.catalogue.sfn_local

.PHONY: bench bench-org screenshots golden

bench: $(STAMP) ## Benchmark: requests, render, sizes, cold starts, memory, demo and test times (TESTS=all: every test); writes docs/performance.md
	$(BIN)/python -m scripts.bench_report --write docs/performance.md $(if $(filter all,$(TESTS)),--all-tests)

# Organisation scale: N teams, each its own daily report, in one scheduled run. 1,000 teams take minutes.
TEAMS ?= 10 100 1000

bench-org: $(STAMP) ## Benchmark N team reports in one run (TEAMS="10 100 1000"); writes its section of docs/performance.md
	$(BIN)/python -m scripts.bench_org --teams $(TEAMS) --write docs/performance.md

screenshots: $(STAMP) ## Render out/report.html in headless Chromium at 375, 600 and 1,024 px and dark into out/ (needs chromium)
	$(BIN)/python -m scripts.screenshots --profile $(PROFILE)

golden: $(STAMP) ## Rewrite the golden emails in tests/golden/ from the current code; review the diff
	$(BIN)/python -m scripts.regenerate_golden

venv: $(STAMP) ## Create .venv from the pinned requirements-dev.txt

# The stamp's name carries a checksum of the requirements, so editing them reinstalls.
$(STAMP): requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "Python 3.11 or newer is needed; run with PYTHON=/path/to/python3.11 (found: $$($(PYTHON) --version 2>&1))"; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

lock: ## Re-pin requirements-dev.txt from a clean install of the direct dependencies (review the diff)
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet "boto3" "moto[stepfunctions]" "aws-lambda-powertools[tracer]" "jinja2" "pytest" "hypothesis" "pytest-randomly" "pytest-xdist" "ruff" "mypy"
	{ sed -n '1,/^# Regenerate/p' requirements-dev.txt; .venv-lock/bin/pip freeze --all --exclude pip --exclude setuptools --exclude wheel; } > requirements-dev.txt.new
	mv requirements-dev.txt.new requirements-dev.txt && rm -rf .venv-lock

clean: ## Remove generated files (out/, build/ with the parsed-definition cache, caches)
	rm -rf out build .pytest_cache .hypothesis .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +

distclean: clean ## Also remove the virtualenv
	rm -rf $(VENV)

# --- Deployment: Lambda packages and the static Terraform checks (terraform/, tests/infra/) ---------
# checkov lives in its own pinned environment: it pins boto3 1.35 and packaging<24, which .venv cannot
# share. tests/infra (run by `make test` with everything else) calls it, and its HCL parser, from there.
INFRA_VENV  ?= .venv-infra
export INFRA_VENV
INFRA_STAMP := $(INFRA_VENV)/.installed-$(shell cksum < requirements-infra.txt | cut -d' ' -f1)

.PHONY: package check-infra lock-infra distclean-infra

test: $(INFRA_STAMP)
distclean: distclean-infra

package: $(STAMP) ## Build build/<function>.zip for Terraform (byte-for-byte reproducible)
	$(BIN)/python scripts/package.py

check-infra: $(STAMP) $(INFRA_STAMP) ## Only the deployment checks: Terraform parse, placeholders, IAM, alarms, checkov, packaging
	$(BIN)/python -m pytest tests/infra $(PYTEST_ARGS)

$(INFRA_STAMP): requirements-infra.txt
	rm -rf $(INFRA_VENV)
	$(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-infra.txt
	touch $@

lock-infra: ## Re-pin requirements-infra.txt from a clean install of checkov (review the diff)
	rm -rf .venv-infra-lock && $(PYTHON) -m venv .venv-infra-lock
	.venv-infra-lock/bin/pip install --quiet "checkov"
	{ sed -n '1,/^# Regenerate/p' requirements-infra.txt; .venv-infra-lock/bin/pip freeze --all --exclude pip --exclude setuptools --exclude wheel; } > requirements-infra.txt.new
	mv requirements-infra.txt.new requirements-infra.txt && rm -rf .venv-infra-lock

distclean-infra:
	rm -rf $(INFRA_VENV)
