package otlp

import (
	"fmt"
	"os"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// serviceName is service.name: what OTLP backends call the job
// (Prometheus's OTLP ingestion makes it the job label).
const serviceName = "flinkslo"

// newResource describes this replica. service.instance.id tells the
// replicas of a shard (and the shards) apart: the pod name where the
// Downward API gives it, else the host name. It is built from getenv, not
// the SDK's detectors, so that only main reads the environment.
func newResource(getenv func(string) string, hostname func() (string, error), version string, extra map[string]string) (*resource.Resource, error) {
	if hostname == nil {
		hostname = os.Hostname
	}
	pod, ns := getenv("POD_NAME"), getenv("POD_NAMESPACE")
	id := pod
	if id == "" {
		h, err := hostname()
		if err != nil {
			return nil, fmt.Errorf("service.instance.id: set $POD_NAME: %w", err)
		}
		id = h
	}
	attrs := []attribute.KeyValue{
		semconv.ServiceName(serviceName),
		semconv.ServiceVersion(version),
		semconv.ServiceInstanceID(id),
		semconv.TelemetrySDKName("opentelemetry"),
		semconv.TelemetrySDKLanguageGo,
		semconv.TelemetrySDKVersion(sdk.Version()),
	}
	if pod != "" {
		attrs = append(attrs, semconv.K8SPodName(pod))
	}
	if ns != "" {
		attrs = append(attrs, semconv.K8SNamespaceName(ns))
	}
	// Configured attributes come last: of equal keys the last one stays.
	for k, v := range extra {
		attrs = append(attrs, attribute.String(k, v))
	}
	return resource.NewWithAttributes(semconv.SchemaURL, attrs...), nil
}
