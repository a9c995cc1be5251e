SHELL := /bin/bash
# Continuum: the two set-up commands are `make run` and `make test` (README, Quick start).
# Every target installs the Debian packages it needs first, when they are missing.

SWIFT ?= swift
# The instant `make run` routes the sample referrals as if received (their dates are written
# for it). `make run RECEIVED_AT=` routes them as received now.
RECEIVED_AT ?= 2026-11-26T12:00:00Z
BUILD_PACKAGES := libjson-c-dev pkg-config libsqlite3-dev
# The tamper test edits a database with the sqlite3 shell, as an attacker with the file could.
# chromium renders the board pack in a test (headless).
# postgresql: a throwaway cluster for the server suite's second run, on PostgreSQL (issue 17).
TEST_PACKAGES := sqlite3 chromium postgresql
BENCH_PACKAGES := wrk
HOST ?= 127.0.0.1
PORT ?= 8080
DATABASE ?= data/continuum.sqlite
# The master key that unlocks children's personal data (issue 20): made on the first `make run`.
MASTER_KEY ?= data/master.key
# The indicators bench (issue 7's goal: 1,000,000 referrals in under 10 s). Building that log
# takes many minutes, so it is kept in REPORT_BENCH_DATABASE and reused by later runs; delete
# the file to build it anew (after changing the bench's mix, say).
REPORT_BENCH_REFERRALS ?= 1000000
REPORT_BENCH_DATABASE ?= .build/report-bench/log-v2-$(REPORT_BENCH_REFERRALS).sqlite
# The census bench's log (issue 18): a large council's year, about a million events; built once, kept.
CENSUS_BENCH_REFERRALS ?= 230000
CENSUS_BENCH_DATABASE ?= .build/census-bench/log-v1-$(CENSUS_BENCH_REFERRALS).sqlite
# The forecasting bench (issue 19) writes a million-referral history once and keeps it here.
FORECAST_BENCH_REFERRALS ?= 1000000
FORECAST_BENCH_DATABASE ?= .build/forecast-bench/log-v1-$(FORECAST_BENCH_REFERRALS).sqlite
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

# Installs the listed Debian packages that are not installed yet.
define apt_install
	@missing=""; for package in $(1); do dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

.PHONY: help deps run examples test test-postgres build-checked bench fuzz docs check clean

help:
	@echo "make run       build continuum and start the router service on $(HOST):$(PORT) (database $(DATABASE), master key $(MASTER_KEY), made on first start)"
	@echo "make examples  route the sample referrals in docs/examples/ offline and print the decisions"
	@echo "make test   build everything (warnings are errors for our code) and run the test suite (the simulator's heavy tests in release)"
	@echo "make bench  release build; wire path against json-c, HTTP with wrk, SQLite against PostgreSQL (one and two routers), simulator against SimPy, report over 1M referrals, census, calibration and a 1,000-replication forecast"
	@echo "make fuzz   schemathesis against docs/openapi.yaml on a fresh server: no request may get a 5xx"
	@echo "make docs   redraw docs/pathway.svg and docs/pathway.md from Pathways/surrey.json"

deps:
	$(call apt_install,$(BUILD_PACKAGES))

# Starts the service in the foreground (Ctrl-C stops it). In another terminal:
#   TOKEN=$$(.build/debug/continuum token create --role partner --partner surrey-police)
#   curl -s -X POST http://127.0.0.1:8080/v1/referrals -H "Authorization: Bearer $$TOKEN" \
#        -H "Content-Type: application/json" --data-binary @docs/examples/police-domestic-abuse.json
run: deps
	$(SWIFT) build --product continuum
	.build/debug/continuum check --quiet Pathways/surrey.json
	@if [ ! -f $(MASTER_KEY) ]; then \
		echo "First start: creating the master key $(MASTER_KEY); personal data is encrypted under it. Keep a copy offline."; \
		.build/debug/continuum keys init --out $(MASTER_KEY); fi
	@echo "Create a token in another terminal: .build/debug/continuum token create --role partner --partner surrey-police"
	.build/debug/continuum serve --host $(HOST) --port $(PORT) --database $(DATABASE) --master-key $(MASTER_KEY)

examples: deps
	$(SWIFT) build --product continuum
	.build/debug/continuum check Pathways/surrey.json
	@for file in docs/examples/*.json; do \
		case "$$file" in *invalid*) continue;; esac; \
		echo; echo "== $$file"; \
		.build/debug/continuum route --pretty $(if $(RECEIVED_AT),--received-at $(RECEIVED_AT)) "$$file" || exit $$?; \
	done
	@echo; echo "== docs/examples/invalid-referral.json (rejected, exit 65: every problem with its JSON path)"
	@.build/debug/continuum route $(if $(RECEIVED_AT),--received-at $(RECEIVED_AT)) docs/examples/invalid-referral.json; \
		status=$$?; [ $$status -eq 65 ] || { echo "expected exit 65, got $$status"; exit 1; }

# Builds first and fails on any compiler warning in our own code (Sources, Tests,
# Benchmarks), then runs every test. The JSON conformance tests read ../shared/data.
# The simulator's tests that simulate millions of events (queueing theory, reproducibility)
# skip themselves in the debug build and run in a second, release build of the tests (the
# simulator's millions of events; the forecast's years of history written through the store;
# the store's WAL checkpoints under 600 durable referrals):
# an unoptimised engine takes about 13 minutes over them, an optimised one under a minute.
test: deps
	$(call apt_install,$(TEST_PACKAGES))
	@$(MAKE) --no-print-directory build-checked BUILD_FLAGS=--build-tests
	$(SWIFT) test
	@$(MAKE) --no-print-directory test-postgres
	@$(MAKE) --no-print-directory build-checked BUILD_FLAGS="-c release --build-tests"
	$(SWIFT) test -c release --skip-build --filter "ContinuumSimulatorTests|ContinuumForecastTests|WALCheckpointTests"

# The end-to-end suite again, on PostgreSQL: a throwaway cluster (initdb into a temporary
# folder as an unprivileged user, a free loopback port), stopped and removed afterwards, pass
# or fail. The suite's multi-router tests run only here.
test-postgres:
	$(call apt_install,postgresql)
	@cluster=$$(mktemp -u /tmp/continuum-pg-XXXXXX); \
	url=$$(scripts/postgres-cluster.sh start $$cluster) || exit $$?; \
	trap "scripts/postgres-cluster.sh stop $$cluster" EXIT; \
	echo "make test: the server suite on PostgreSQL ($$url)"; \
	CONTINUUM_TEST_POSTGRES="$$url" $(SWIFT) test --skip-build --filter ContinuumServerTests

# `swift build $(BUILD_FLAGS)`, failing on any compiler warning in our own code.
build-checked:
	@log=$$(mktemp); \
	$(SWIFT) build $(BUILD_FLAGS) 2>&1 | tee $$log; status=$${PIPESTATUS[0]}; \
	if [ $$status -ne 0 ]; then rm -f $$log; exit $$status; fi; \
	if grep -E "^$(CURDIR)/(Sources|Tests|Benchmarks)/.*: warning:" $$log; then \
		echo "make test: the warnings above are errors in this project"; rm -f $$log; exit 1; fi; \
	rm -f $$log

bench: deps
	$(call apt_install,$(BENCH_PACKAGES))
	$(SWIFT) build -c release --product continuum-bench
	$(SWIFT) build -c release --product continuum
	CONTINUUM_BENCH_SEALING_FILE=.build/bench-sealing-us.txt .build/release/continuum-bench
	@echo
	CONTINUUM_BENCH_SEALING_FILE=.build/bench-sealing-us.txt Benchmarks/http/http-bench.sh
	@echo
	$(call apt_install,postgresql)
	Benchmarks/postgres/pg-bench.sh
	@echo
	Benchmarks/simulator/sim-bench.sh
	@echo
	$(SWIFT) build -c release --product report-bench
	REPORT_BENCH_REFERRALS=$(REPORT_BENCH_REFERRALS) REPORT_BENCH_DATABASE=$(REPORT_BENCH_DATABASE) .build/release/report-bench
	@echo
	$(SWIFT) build -c release --product census-bench
	CENSUS_BENCH_REFERRALS=$(CENSUS_BENCH_REFERRALS) CENSUS_BENCH_DATABASE=$(CENSUS_BENCH_DATABASE) .build/release/census-bench
	@echo
	$(SWIFT) build -c release --product forecast-bench
	FORECAST_BENCH_REFERRALS=$(FORECAST_BENCH_REFERRALS) FORECAST_BENCH_DATABASE=$(FORECAST_BENCH_DATABASE) .build/release/forecast-bench

fuzz: deps
	$(SWIFT) build --product continuum
	scripts/api-fuzz.sh

docs: deps
	$(call apt_install,graphviz)
	$(SWIFT) build --product continuum
	.build/debug/continuum graph --format dot | dot -Tsvg -o docs/pathway.svg
	@{ echo "# The default pathway: Surrey Continuum of Support"; echo; \
	   echo "Drawn from \`Pathways/surrey.json\` by \`make docs\` (\`continuum graph\`). Step-ups are solid,"; \
	   echo "step-downs dashed, escalations bold; ✓mgr marks transitions that need a manager's approval."; echo; \
	   echo "![Surrey pathway](pathway.svg)"; echo; echo "The same graph in Mermaid (rendered by GitHub):"; echo; \
	   echo '```mermaid'; .build/debug/continuum graph --format mermaid; echo '```'; } > docs/pathway.md

check: deps
	$(SWIFT) build --product continuum
	.build/debug/continuum check

clean:
	rm -rf .build
