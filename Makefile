# edgecrm: `make dev` to run locally, `make test` for everything.
SHELL := /bin/bash
export WRANGLER_SEND_METRICS := false
export WRANGLER_SEND_ERROR_REPORTS := false
export CLOUDFLARE_CF_FETCH_ENABLED := false
export WRANGLER_LOG_PATH := $(CURDIR)/.state/logs
export CI_SKIP_PROMPT := 1

WRANGLER := node_modules/.bin/wrangler
GOROOT_WASM := $(shell go env GOROOT)/lib/wasm/wasm_exec.js
GO_SOURCES := $(shell find . -name '*.go' -not -path './node_modules/*') go.mod go.sum $(wildcard migrations/*/*.sql)

.PHONY: dev dev-vars test deps wasm wasm-size migrate-local seed vet unit e2e bench deploy clean

## Install npm and Go dependencies (Node 20 + Go from the machine; apt not needed).
deps: node_modules/.package-lock.json
	go mod download

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

## Build the Go core to wasm (plus Go's wasm_exec.js) into build/.
wasm: build/core.wasm build/wasm_exec.js

build/core.wasm: $(GO_SOURCES)
	@mkdir -p build
	GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -o $@ ./cmd/worker

## Fail when the wasm no longer fits the Workers Free plan (3 MB gzip) with headroom.
# 2.9 MiB, in bytes of `gzip -9` output.
WASM_GZIP_MAX := 3040870
wasm-size: build/core.wasm
	@n=$$(gzip -9 -c $< | wc -c); if [ $$n -gt $(WASM_GZIP_MAX) ]; then \
	  echo "wasm-size: $< is $$n bytes gzip, over the 2.9 MiB budget ($(WASM_GZIP_MAX) bytes); the Workers Free plan limit is 3 MB gzip. See docs/architecture.md (Size budget)." >&2; exit 1; fi; \
	echo "wasm-size: $< is $$n bytes gzip (budget $(WASM_GZIP_MAX))"

build/wasm_exec.js: $(GOROOT_WASM)
	@mkdir -p build
	cp $< $@

# Development secrets (git-ignored): an admin token and the RSA key tokens
# are signed with. An older .dev.vars without the key gets one appended.
.dev.vars:
	@echo "ADMIN_TOKEN=$$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)" > $@
	@echo "wrote .dev.vars (git-ignored) with a fresh development admin token"

dev-vars: .dev.vars
	@grep -q '^JWT_PRIVATE_KEY=' .dev.vars || { go run ./cmd/crmctl devkey >> .dev.vars && echo "added a fresh development JWT_PRIVATE_KEY to .dev.vars"; }

migrate-local: deps
	CI=1 $(WRANGLER) d1 migrations apply DB --local --persist-to .state

## Run locally on 127.0.0.1:8787 with state in .state/.
dev: deps wasm dev-vars migrate-local
	@echo
	@echo "edgecrm is starting on http://127.0.0.1:8787 (state in .state/)."
	@echo "Once it is up, crmctl seed signs up the demo user and prints how to log in."
	@echo "Admin endpoints: curl -s http://127.0.0.1:8787/admin/workspaces/<workspace>/state -H \"authorization: Bearer $$(sed -n 's/^ADMIN_TOKEN=//p' .dev.vars)\""
	@echo
	@go build -o build/crmctl ./cmd/crmctl && (build/crmctl seed -url http://127.0.0.1:8787 &)
	$(WRANGLER) dev --ip 127.0.0.1 --port 8787 --persist-to .state

vet:
	go vet ./...
	GOOS=js GOARCH=wasm go vet ./cmd/worker

unit:
	go test ./...

e2e: deps wasm
	EDGECRM_E2E=1 go test -count=1 -timeout 15m ./tests/e2e/
	node --test --test-concurrency=1 tests/js/

## Everything: vet, native tests, end-to-end tests against wrangler dev.
test: deps wasm wasm-size vet unit e2e

## Benchmarks: writes BENCHMARKS.md (all sections: takes ~20 min; BENCH_FLAGS="-scale=0 -sockets=0" for a quick run).
## The PostgreSQL comparison alone, small: BENCH_FLAGS="-only=pg -scale=0.05 -pg-n=20 -out=/tmp/pg.md" (needs
## ../shared/twenty-pg/schema.sql; starts a private PostgreSQL, installing Debian's postgresql package if absent).
BENCH_FLAGS ?= -sockets=10000
bench: deps wasm
	go run ./tests/bench -out BENCHMARKS.md $(BENCH_FLAGS)

## Deploy (needs a Cloudflare API token; secrets via `wrangler secret put`).
deploy: deps wasm
	CI=1 $(WRANGLER) d1 migrations apply DB --remote
	$(WRANGLER) deploy

clean:
	rm -rf build .state
