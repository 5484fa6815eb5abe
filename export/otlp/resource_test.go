package otlp

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/sdk"
)

func TestResource(t *testing.T) {
	host := func() (string, error) { return "node-7", nil }
	sdkAttrs := map[string]string{"telemetry.sdk.name": "opentelemetry", "telemetry.sdk.language": "go", "telemetry.sdk.version": sdk.Version()}
	for _, tt := range []struct {
		name  string
		env   map[string]string
		extra map[string]string
		want  map[string]string
	}{
		{
			name: "pod",
			env:  map[string]string{"POD_NAME": "flinkslo-shard-1-0", "POD_NAMESPACE": "monitoring"},
			want: map[string]string{"service.name": "flinkslo", "service.version": "1.4.0", "service.instance.id": "flinkslo-shard-1-0", "k8s.pod.name": "flinkslo-shard-1-0", "k8s.namespace.name": "monitoring"},
		},
		{
			name: "outside kubernetes",
			want: map[string]string{"service.name": "flinkslo", "service.version": "1.4.0", "service.instance.id": "node-7"},
		},
		{
			name:  "configured attributes added and overriding",
			env:   map[string]string{"POD_NAME": "flinkslo-0"},
			extra: map[string]string{"k8s.cluster.name": "eu-1", "service.name": "flinkslo-eu"},
			want:  map[string]string{"service.name": "flinkslo-eu", "service.version": "1.4.0", "service.instance.id": "flinkslo-0", "k8s.pod.name": "flinkslo-0", "k8s.cluster.name": "eu-1"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := newResource(func(k string) string { return tt.env[k] }, host, "1.4.0", tt.extra)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, kv := range res.Attributes() {
				got[string(kv.Key)] = kv.Value.String()
			}
			want := map[string]string{}
			for k, v := range sdkAttrs {
				want[k] = v
			}
			for k, v := range tt.want {
				want[k] = v
			}
			if d := cmp.Diff(got, want); d != "" {
				t.Errorf("resource attributes (-got +want):\n%s", d)
			}
		})
	}
}

func TestResourceWithoutIdentity(t *testing.T) {
	_, err := newResource(func(string) string { return "" }, func() (string, error) { return "", errors.New("no uts namespace") }, "dev", nil)
	if err == nil {
		t.Fatal("no POD_NAME and no host name: want an error")
	}
}
