# Talent's build, test and dev commands. `make run` and `make test` are the two
# that matter; both install what is missing first (`make tools`).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Pinned tool versions. Tools live in .tools/ (git-ignored); changing a version
# here reinstalls that tool on the next run.
PROTOC_GEN_GO_VERSION         := v1.36.12
PROTOC_GEN_CONNECT_GO_VERSION := v1.21.1
SQLC_VERSION                  := v1.31.1
STATICCHECK_VERSION           := v0.8.2
BUF_VERSION                   := 1.75.0
# npm tools for the browser tests and `make bench-web`.
PUPPETEER_CORE_VERSION        := 25.16.0
AXE_CORE_VERSION              := 4.14.1
LIGHTHOUSE_VERSION            := 13.5.0
MINIO_VERSION                 := v0.0.0-20260212201848-7aac2a2c5b7c

TOOLS   := $(CURDIR)/.tools
TOOLBIN := $(TOOLS)/bin
STAMPS  := $(TOOLS)/stamps
BUF     := $(TOOLS)/node_modules/.bin/buf
BIN     := $(CURDIR)/bin
GO      ?= go
export PATH := $(TOOLBIN):$(PATH)

# sqlc configs, one per service package that owns SQL.
SQLC_CONFIGS := $(wildcard backend/*/sqlc.yaml)

GO_TOOL_STAMPS := \
	$(STAMPS)/protoc-gen-go-$(PROTOC_GEN_GO_VERSION) \
	$(STAMPS)/protoc-gen-connect-go-$(PROTOC_GEN_CONNECT_GO_VERSION) \
	$(STAMPS)/sqlc-$(SQLC_VERSION) \
	$(STAMPS)/staticcheck-$(STATICCHECK_VERSION) \
	$(STAMPS)/minio-$(MINIO_VERSION) \
	$(STAMPS)/buf-$(BUF_VERSION) \
	$(STAMPS)/browsertools-$(PUPPETEER_CORE_VERSION)-$(AXE_CORE_VERSION)-$(LIGHTHOUSE_VERSION)

.PHONY: help
help: ## Show the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

## ---- tools -------------------------------------------------------------

.PHONY: tools
tools: deps $(GO_TOOL_STAMPS) ## Install what is missing: Debian packages and pinned tools.

.PHONY: deps
deps:
	@deploy/dev/install-deps.sh

$(STAMPS):
	@mkdir -p $@

$(STAMPS)/protoc-gen-go-%: | $(STAMPS)
	GOBIN=$(TOOLBIN) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$*
	@touch $@
$(STAMPS)/protoc-gen-connect-go-%: | $(STAMPS)
	GOBIN=$(TOOLBIN) $(GO) install connectrpc.com/connect/cmd/protoc-gen-connect-go@$*
	@touch $@
$(STAMPS)/sqlc-%: | $(STAMPS)
	GOBIN=$(TOOLBIN) CGO_ENABLED=1 $(GO) install github.com/sqlc-dev/sqlc/cmd/sqlc@$*
	@touch $@
$(STAMPS)/staticcheck-%: | $(STAMPS)
	GOBIN=$(TOOLBIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$*
	@touch $@
$(STAMPS)/minio-%: | $(STAMPS)
	@echo "building the MinIO server $* (takes a few minutes once; cached in .tools/)"
	GOBIN=$(TOOLBIN) $(GO) install github.com/minio/minio@$*
	@touch $@
$(STAMPS)/buf-%: | $(STAMPS)
	@[ -f $(TOOLS)/package.json ] || echo '{"name":"talent-tools","private":true}' > $(TOOLS)/package.json
	cd $(TOOLS) && npm install --no-audit --no-fund --silent @bufbuild/buf@$*
	@touch $@
$(STAMPS)/browsertools-%: $(STAMPS)/buf-$(BUF_VERSION) | $(STAMPS)
	cd $(TOOLS) && npm install --no-audit --no-fund --silent --save-exact \
		puppeteer-core@$(PUPPETEER_CORE_VERSION) axe-core@$(AXE_CORE_VERSION) lighthouse@$(LIGHTHOUSE_VERSION)
	@touch $@

## ---- code generation and checks ----------------------------------------

.PHONY: generate
generate: tools ## Regenerate the Connect/protobuf code and the sqlc queries.
	$(BUF) format -w
	$(BUF) generate
	@for c in $(SQLC_CONFIGS); do echo "sqlc generate -f $$c"; sqlc generate -f $$c; done

.PHONY: check-generate
check-generate: tools ## Fail when committed generated code is stale.
	BUF=$(BUF) deploy/dev/check-generate.sh

.PHONY: lint
lint: tools ## gofmt, go vet, staticcheck, buf lint and format.
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "not gofmt-ed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./webapp/...
	staticcheck ./...
	$(BUF) lint
	$(BUF) format -d --exit-code

.PHONY: breaking
breaking: tools ## Check the API for breaking changes against main (buf breaking).
	$(BUF) breaking --against '.git#branch=main'

## ---- build --------------------------------------------------------------

.PHONY: build
build: $(BIN)/web/manifest.json ## Build talentd, talent-edge, talentctl, talent-dev and the web app.
	$(GO) build -o $(BIN)/talentd ./backend/cmd/talentd
	$(GO) build -o $(BIN)/talent-edge ./edge/cmd/talent-edge
	$(GO) build -o $(BIN)/talentctl ./edge/cmd/talentctl
	$(GO) build -o $(BIN)/talent-dev ./backend/cmd/talent-dev

# The wasm is built once per change of its inputs (webapp/ and proto/).
WEB_INPUTS := $(shell find webapp proto -type f \( -name '*.go' -o -path 'webapp/static/*' \) 2>/dev/null) go.mod go.sum
$(BIN)/web/manifest.json: $(WEB_INPUTS)
	$(GO) run ./webapp/cmd/buildweb -out $(BIN)/web

.PHONY: wasm
wasm: $(BIN)/web/manifest.json ## Build the web app (wasm, precompressed, content-hashed).

## ---- the two commands ---------------------------------------------------

.PHONY: run
run: tools build ## Start the whole platform locally (data under ./var).
	$(BIN)/talent-dev --var $(CURDIR)/var --bin $(BIN) --caddyfile $(CURDIR)/deploy/edge/Caddyfile

.PHONY: test
test: tools check-generate lint build ## Run every test, with -race, against real services.
	TALENT_BIN_DIR=$(BIN) $(GO) test -race -count=1 -timeout 35m ./...

.PHONY: bench
bench: tools build ## Run the benchmarks.
	TALENT_BIN_DIR=$(BIN) $(GO) test -run '^$$' -bench . -benchmem ./...

.PHONY: bench-canary
bench-canary: ## Canary split accuracy and stickiness over 100,000 users (OPS-4).
	$(GO) test -run '^$$' -bench 'Split' -benchtime 1x ./edge/canary
	$(GO) test -run '^$$' -bench 'Bucket' ./edge/canary

.PHONY: bench-keywords
bench-keywords: ## Keyword filter throughput per core, 10,000 keywords on Chinese text (SEC-5).
	$(GO) test -run '^$$' -bench 'Filter|ServeHTTPJSON' -benchtime 200x -count 3 -cpu 1 ./edge/keywords

.PHONY: bench-edge-modules
bench-edge-modules: ## CPU ns per request of each edge module on the bench-edge mix's requests (docs/ops/benchmarks.md).
	$(GO) test -run '^$$' -bench 'ServeHTTP|DeepRequest' -benchmem -count 3 ./edge/stackreserve ./edge/accesslog ./edge/requestid ./edge/secheaders ./edge/ratelimit ./edge/canary ./edge/keywords

.PHONY: bench-realtime
bench-realtime: build ## Event stream commit→receive p50/p99 through the edge: 2 talentd, 1,000 streams (TASK-4).
	$(GO) run ./backend/cmd/realtimebench -bin $(BIN) -caddyfile deploy/edge/Caddyfile $(REALTIMEBENCH_FLAGS)
.PHONY: bench-match
bench-match: ## Matching: top 20 over 10k/100k/1M providers, engine vs naive SQL, p50/p99 (MATCH-2).
	$(GO) test -run '^$$' -bench 'Match/.*/engine' -benchtime 2000x -cpu 2 -timeout 60m ./backend/matching
	$(GO) test -run '^$$' -bench 'Match/.*/sql' -benchtime 20x -cpu 2 -timeout 60m ./backend/matching

.PHONY: eval-match
eval-match: ## Matching: offline NDCG@10 and recall@20, blended vs 40/30/20/10 vs random (MATCH-1).
	$(GO) test -count=1 -run 'TestOfflineEval' -v ./backend/matching

.PHONY: bench-edge
bench-edge: build ## Edge vs plain Caddy (with and without access log), same backend and request mix, 5 interleaved repetitions: req/s, p99, CPU/request, loss (about 80 s).
	$(GO) run ./edge/cmd/edgebench -edge $(BIN)/talent-edge -caddyfile deploy/edge/Caddyfile

.PHONY: bench-web
bench-web: tools ## Lighthouse scores of the public pages of the running platform (`make run` first).
	deploy/dev/bench-web.sh

.PHONY: clean
clean: ## Remove built binaries (keeps ./var data and .tools).
	rm -rf $(BIN)
