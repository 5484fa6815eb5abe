# syntax=docker/dockerfile:1
# Multi-stage: build a static binary, ship it on distroless as non-root.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/flinkslo ./cmd/flinkslo

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/flinkslo /usr/local/bin/flinkslo
USER 65532:65532
EXPOSE 9731
# The root filesystem can be read-only: flinkslo writes nothing but an
# optional state file (stateFile in the config; mount a volume for it).
ENTRYPOINT ["/usr/local/bin/flinkslo"]
CMD ["run", "--config=/etc/flinkslo/config.yaml"]
