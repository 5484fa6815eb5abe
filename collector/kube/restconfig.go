package kube

import (
	"errors"
	"fmt"
	"path/filepath"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// RESTConfig finds the API server as kubectl does: the kubeconfig file
// given (--kubeconfig), else the files listed in kubeconfigEnv (the value
// of $KUBECONFIG, which main reads), else ~/.kube/config; and when none of
// these names a cluster, the in-cluster config of the pod's service
// account.
func RESTConfig(kubeconfig, kubeconfigEnv string) (*rest.Config, error) {
	rules := &clientcmd.ClientConfigLoadingRules{
		ExplicitPath: kubeconfig,
		Precedence:   []string{clientcmd.RecommendedHomeFile},
	}
	if kubeconfigEnv != "" {
		rules.Precedence = filepath.SplitList(kubeconfigEnv)
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	if clientcmd.IsEmptyConfig(err) {
		// client-go would suggest $KUBERNETES_MASTER, which flinkslo does not read.
		return nil, errors.New("no Kubernetes API server configured: pass --kubeconfig, set $KUBECONFIG, create ~/.kube/config, or run in a pod with a service account")
	}
	if err != nil {
		return nil, fmt.Errorf("load kubernetes client config: %w", err)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "flinkslo"
	}
	return cfg, nil
}
