# shelf — build, run and test. `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
GO ?= go
BIN := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/shelfhq/shelf/shared/metrics.Version=$(VERSION)
GOFLAGS_BUILD := -trimpath -ldflags '$(LDFLAGS)'
MODULES := ./shared/... ./services/api/... ./services/worker/... ./services/watcher/...
TOOLS := $(CURDIR)/.cache/tools

.PHONY: all build run test test-short soak bench lint e2e clean tools

all: build

## build: static binaries bin/shelf-api, bin/shelf-worker, bin/shelf-watcher
build:
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o $(BIN)/shelf-api ./services/api
	CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o $(BIN)/shelf-worker ./services/worker
	CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o $(BIN)/shelf-watcher ./services/watcher

## run: api + one worker + watcher on ./data and ./library, Ctrl-C stops all three
run: build
	./scripts/run.sh

## test: every unit, integration and multi-process test, on SQLite and then,
## when SHELF_TEST_POSTGRES_URL names a reachable server, on PostgreSQL
test:
	./scripts/ensure-chromium.sh
	@echo "== monitoring: promtool check and test rules, amtool check-config"
	./scripts/check-monitoring.sh
	@echo "== Helm chart: helm lint and helm template, manifests decoded strictly into k8s.io/api types"
	cd deploy/test && GOWORK=off $(GO) test -count=1 ./helm/
	@echo "== tests on SQLite"
	$(GO) test -count=1 -timeout 30m $(MODULES)
	@if [ -n "$$SHELF_TEST_POSTGRES_URL" ]; then \
		echo "== tests on PostgreSQL ($$(echo $$SHELF_TEST_POSTGRES_URL | sed 's#//[^@]*@#//***@#'))"; \
		SHELF_TEST_BACKEND=postgres $(GO) test -count=1 -timeout 30m $(MODULES); \
	else \
		echo "== PostgreSQL half SKIPPED: set SHELF_TEST_POSTGRES_URL=postgres://user:pass@127.0.0.1:5432/db to run it"; \
	fi

## test-short: the quick subset
test-short:
	$(GO) test -count=1 -short $(MODULES)

## soak: the long reliability runs (load for 60 s, chaos for SHELF_CHAOS_DURATION, 5m by default;
## see docs/RELIABILITY.md)
SHELF_CHAOS_DURATION ?= 5m
soak:
	SHELF_LOAD_DURATION=60s SHELF_CHAOS_DURATION=$(SHELF_CHAOS_DURATION) $(GO) test -count=1 -timeout 60m \
		-run 'EnqueueingAndDraining|Chaos' -v ./shared/worker/ ./shared/systemtest/

## bench: the figures in docs/BENCHMARKS.md: the shipped defaults through the REST API, on SQLite
## and then, when SHELF_TEST_POSTGRES_URL names a server, on PostgreSQL
bench:
	$(GO) run ./shared/cmd/queuebench
	@if [ -n "$$SHELF_TEST_POSTGRES_URL" ]; then \
		$(GO) run ./shared/cmd/queuebench -postgres "$$SHELF_TEST_POSTGRES_URL"; \
	else \
		echo "== PostgreSQL half SKIPPED: set SHELF_TEST_POSTGRES_URL=postgres://user:pass@127.0.0.1:5432/db to run it"; \
	fi
	$(GO) run ./shared/cmd/identifybench
	$(GO) run ./shared/cmd/pipelinebench -n 10000 -procs 1,2 -organizer off,on
	@if [ -n "$$SHELF_TEST_POSTGRES_URL" ]; then \
		$(GO) run ./shared/cmd/pipelinebench -n 10000 -procs 1,2 -organizer off,on -postgres "$$SHELF_TEST_POSTGRES_URL"; \
	fi

## lint: gofmt, go vet, the dashboard linter's rules, staticcheck, govulncheck (known vulnerabilities in code shelf calls;
## VULNDB=file:///path uses a local copy of the database, e.g. where vuln.go.dev is unreachable)
VULNDB ?= https://vuln.go.dev
lint: tools
	@out=$$(gofmt -l shared services deploy/test); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(MODULES)
	@echo "== Grafana dashboards: grafana/dashboard-linter's rules (deploy/test/dashboard)"
	cd deploy/test && GOWORK=off $(GO) vet ./... && GOWORK=off $(GO) test -count=1 ./dashboard/
	$(GO) vet -tags e2e ./shared/systemtest/
	$(TOOLS)/staticcheck $(MODULES)
	@for m in shared services/api services/worker services/watcher; do \
		echo "govulncheck $$m"; \
		out=$$(cd $$m && $(TOOLS)/govulncheck -db $(VULNDB) ./... 2>&1); status=$$?; \
		if [ $$status -ne 0 ] && echo "$$out" | grep -q "fetching vulnerabilities"; then \
			echo "== govulncheck SKIPPED: the vulnerability database $(VULNDB) is unreachable ($$(echo "$$out" | head -1))"; break; \
		fi; \
		if [ $$status -ne 0 ]; then echo "$$out"; exit 1; fi; \
	done

tools: $(TOOLS)/staticcheck $(TOOLS)/govulncheck

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@latest

$(TOOLS)/govulncheck:
	GOBIN=$(TOOLS) $(GO) install golang.org/x/vuln/cmd/govulncheck@latest

## e2e: the container end-to-end test (needs a Docker engine): deploy/e2e/run.sh builds the
## images from bin/ and cleans up; the checks are Go (shared/systemtest, build tag e2e)
e2e: build
	./deploy/e2e/run.sh

clean:
	rm -rf $(BIN)
