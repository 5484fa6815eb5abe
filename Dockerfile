# syntax=docker/dockerfile:1
# Multi-stage and multi-platform: the build stage runs on the builder's own
# platform and cross-compiles for the target one (CGO off: no emulation, no C
# toolchain), and the static binary ships on distroless as non-root.
#
#   make image                              # passes the build info below
#   make image IMAGE_FLAGS='--platform linux/amd64,linux/arm64 --push'
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
# Modules in a cache mount, downloaded from go.mod and go.sum alone: a
# source change neither re-downloads them nor invalidates this step.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=bind,source=go.mod,target=go.mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    go mod download
# Set by BuildKit for each platform of --platform.
ARG TARGETOS TARGETARCH
# Build info, as `make build` stamps it (prometheus/common/version, which
# flinkslo_build_info and `flinkslo version` report).
ARG VERSION=dev
ARG REVISION=unknown
ARG BRANCH=unknown
ARG BUILD_USER=unknown
ARG BUILD_DATE=unknown
# The source is bind-mounted (nothing copied into a layer); the Go build
# cache persists between builds in its own mount.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=bind,target=. \
    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -buildvcs=false -o /out/flinkslo \
      -ldflags "-s -w -X main.version=${VERSION} \
        -X github.com/prometheus/common/version.Version=${VERSION} \
        -X github.com/prometheus/common/version.Revision=${REVISION} \
        -X github.com/prometheus/common/version.Branch=${BRANCH} \
        -X github.com/prometheus/common/version.BuildUser=${BUILD_USER} \
        -X github.com/prometheus/common/version.BuildDate=${BUILD_DATE}" \
      ./cmd/flinkslo

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG REVISION=unknown
# RFC 3339, as the OCI annotation wants it (BUILD_DATE is Prometheus's format).
ARG CREATED=1970-01-01T00:00:00Z
LABEL org.opencontainers.image.title="flinkslo" \
      org.opencontainers.image.description="Health, checkpoint progress and failure routing for fleets of Apache Flink jobs on Kubernetes" \
      org.opencontainers.image.source="https://github.com/flinkslo/flinkslo" \
      org.opencontainers.image.url="https://github.com/flinkslo/flinkslo" \
      org.opencontainers.image.documentation="https://github.com/flinkslo/flinkslo/blob/main/README.md" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
COPY --from=build /out/flinkslo /usr/local/bin/flinkslo
USER 65532:65532
EXPOSE 9731
# The root filesystem can be read-only: flinkslo writes nothing but an
# optional state file (stateFile in the config; mount a volume for it).
ENTRYPOINT ["/usr/local/bin/flinkslo"]
CMD ["run", "--config=/etc/flinkslo/config.yaml"]
