# flinkslo — the single entry point for building, testing and running.
GO        ?= go
BIN       ?= bin/flinkslo
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
CACHE_DIR ?= $(HOME)/.cache/flinkslo
KUBE_VERSION ?= v1.34.2
export FLINKSLO_CACHE_DIR := $(CACHE_DIR)
export FLINKSLO_KUBE_APISERVER := $(CACHE_DIR)/kube-apiserver-$(KUBE_VERSION)

.PHONY: all build test test-short test-deps lint bench demo fuzz clean

all: lint build test

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/flinkslo

# demo: a simulated fleet on loopback, the real exporter, a live table.
demo:
	$(GO) run ./cmd/flinkslo demo

# test-deps installs what the tests run for real: promtool and prometheus
# (Debian's prometheus package), etcd (etcd-server) and a kube-apiserver
# built once from the Go module proxy into $(CACHE_DIR).
test-deps:
	./scripts/install-test-deps.sh
	KUBE_VERSION=$(KUBE_VERSION) ./scripts/build-kube-apiserver.sh $(FLINKSLO_KUBE_APISERVER)

test: test-deps lint
	$(GO) test -race -count=1 -timeout 15m ./...

# test-short skips the tests that start real servers.
test-short:
	$(GO) test -short -race ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 -timeout 30m ./...

# fuzz runs every fuzz target for FUZZTIME each.
FUZZTIME ?= 30s
fuzz:
	./scripts/fuzz-all.sh $(FUZZTIME)

clean:
	rm -rf bin
