# flinkslo — the single entry point for building, testing and running.
GO        ?= go
BIN       ?= bin/flinkslo
# Build info, stamped into the binary (prometheus/common/version, reported by
# flinkslo_build_info and `flinkslo version`) and into the image's labels.
# The dates are the commit's, so a rebuild of one commit is the same build.
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION   ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
BRANCH     ?= $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
BUILD_USER ?= $(shell id -un 2>/dev/null || echo unknown)@$(shell hostname 2>/dev/null || echo unknown)
BUILD_DATE ?= $(shell TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d-%H:%M:%S 2>/dev/null || echo unknown)
CREATED    ?= $(shell TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo 1970-01-01T00:00:00Z)
VERSION_PKG := github.com/prometheus/common/version
LDFLAGS   := -s -w -X main.version=$(VERSION) \
	-X $(VERSION_PKG).Version=$(VERSION) -X $(VERSION_PKG).Revision=$(REVISION) \
	-X $(VERSION_PKG).Branch=$(BRANCH) -X $(VERSION_PKG).BuildUser=$(BUILD_USER) \
	-X $(VERSION_PKG).BuildDate=$(BUILD_DATE)
CACHE_DIR ?= $(HOME)/.cache/flinkslo
KUBE_VERSION ?= v1.34.2
HELM_VERSION ?= v4.3.2
PROMETHEUS_OPERATOR_VERSION ?= v0.94.0
GOLANGCI_LINT_VERSION ?= v2.15.0
GOLANGCI_LINT ?= $(CACHE_DIR)/golangci-lint-$(GOLANGCI_LINT_VERSION)
export FLINKSLO_CACHE_DIR := $(CACHE_DIR)
export FLINKSLO_KUBE_APISERVER := $(CACHE_DIR)/kube-apiserver-$(KUBE_VERSION)
export FLINKSLO_HELM := $(CACHE_DIR)/helm-$(HELM_VERSION)
export FLINKSLO_PROMETHEUS_OPERATOR_CRDS := $(CACHE_DIR)/prometheus-operator-crds-$(PROMETHEUS_OPERATOR_VERSION)

# The image: its tag is the version without the leading v (v0.1.0 -> 0.1.0),
# as the Helm chart's appVersion names it. IMAGE_FLAGS adds buildx flags,
# e.g. IMAGE_FLAGS='--platform linux/amd64,linux/arm64 --push'.
IMAGE       ?= ghcr.io/flinkslo/flinkslo
IMAGE_TAG   ?= $(VERSION:v%=%)
IMAGE_FLAGS ?=
DOCKER      ?= docker

.PHONY: all build image test test-short test-deps lint bench demo fuzz clean

all: lint build test

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/flinkslo
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)-sim ./cmd/flinkslo-sim

# demo: a simulated fleet on loopback, the real exporter, classifier and
# router, and a story of failures and recoveries. Flags go in ARGS, e.g.
# make demo ARGS="--web.listen-address=127.0.0.1:9800 --no-story".
ARGS ?=
demo:
	$(GO) run ./cmd/flinkslo-sim demo $(ARGS)

# image builds the container image with the build info of `make build`
# (BuildKit, through docker buildx: cache mounts, multi-platform). Without
# docker buildx it prints the command and fails: no image was built.
image:
	@cmd="$(DOCKER) buildx build $(IMAGE_FLAGS) \
	--build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) --build-arg BRANCH=$(BRANCH) \
	--build-arg BUILD_USER=$(BUILD_USER) --build-arg BUILD_DATE=$(BUILD_DATE) --build-arg CREATED=$(CREATED) \
	-t $(IMAGE):$(IMAGE_TAG) ."; \
	if $(DOCKER) buildx version >/dev/null 2>&1; then echo "$$cmd"; eval "$$cmd"; \
	else echo "$(DOCKER) buildx not found; build the image with:"; echo "  $$cmd"; exit 1; fi

# test-deps installs what the tests run for real: promtool and prometheus
# (Debian's prometheus package), etcd (etcd-server), amtool
# (prometheus-alertmanager), and, built or fetched once from the Go module
# proxy into $(CACHE_DIR), a kube-apiserver, Helm and the Prometheus
# Operator's CRDs.
test-deps:
	./scripts/install-test-deps.sh
	KUBE_VERSION=$(KUBE_VERSION) ./scripts/build-kube-apiserver.sh $(FLINKSLO_KUBE_APISERVER)
	HELM_VERSION=$(HELM_VERSION) ./scripts/build-helm.sh $(FLINKSLO_HELM)
	PROMETHEUS_OPERATOR_VERSION=$(PROMETHEUS_OPERATOR_VERSION) ./scripts/fetch-prometheus-operator-crds.sh $(FLINKSLO_PROMETHEUS_OPERATOR_CRDS)

test: test-deps lint
	$(GO) test -race -count=1 -timeout 15m ./...

# test-short skips the tests that start real servers.
test-short:
	$(GO) test -short -race ./...

# lint: gofmt, go vet, and golangci-lint (.golangci.yml: depguard keeps the
# direction of the flow in docs/architecture.md; errorlint, sloglint,
# promlinter, revive), built once into $(CACHE_DIR).
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	GOLANGCI_LINT_VERSION=$(GOLANGCI_LINT_VERSION) ./scripts/build-golangci-lint.sh $(GOLANGCI_LINT)
	$(GOLANGCI_LINT) run ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 -timeout 30m ./...

# fuzz runs every fuzz target for FUZZTIME each.
FUZZTIME ?= 30s
fuzz:
	./scripts/fuzz-all.sh $(FUZZTIME)

clean:
	rm -rf bin
