package kube

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const kubeconfigTemplate = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: SERVER}
users:
- name: u
  user: {token: t}
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
`

func writeKubeconfig(t *testing.T, server string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(p, []byte(strings.Replace(kubeconfigTemplate, "SERVER", server, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRESTConfigPrecedence(t *testing.T) {
	flag := writeKubeconfig(t, "https://from-flag:6443")
	env := writeKubeconfig(t, "https://from-env:6443")
	tests := []struct {
		name       string
		kubeconfig string
		env        string
		wantHost   string
	}{
		{"flag wins over $KUBECONFIG", flag, env, "https://from-flag:6443"},
		{"$KUBECONFIG without flag", "", env, "https://from-env:6443"},
		{"$KUBECONFIG list, first file names the cluster", "", env + string(os.PathListSeparator) + filepath.Join(t.TempDir(), "missing"), "https://from-env:6443"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := RESTConfig(tt.kubeconfig, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Host != tt.wantHost || cfg.BearerToken != "t" || cfg.UserAgent != "flinkslo" {
				t.Errorf("config = host %q token %q agent %q, want host %q token t agent flinkslo", cfg.Host, cfg.BearerToken, cfg.UserAgent, tt.wantHost)
			}
		})
	}
}

func TestRESTConfigMissingFlagFile(t *testing.T) {
	if _, err := RESTConfig(filepath.Join(t.TempDir(), "nope"), ""); err == nil {
		t.Error("a --kubeconfig that does not exist was accepted")
	}
}

// Outside a pod with nothing configured, the error says what to do.
func TestRESTConfigNothingConfigured(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "") // not in a pod
	_, err := RESTConfig("", filepath.Join(t.TempDir(), "missing"))
	if err == nil || !strings.Contains(err.Error(), "--kubeconfig") || strings.Contains(err.Error(), "KUBERNETES_MASTER") {
		t.Errorf("err = %v, want one naming --kubeconfig and not $KUBERNETES_MASTER", err)
	}
}
