package kube

import (
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// The Flink Kubernetes Operator's resources (flink.apache.org/v1beta1, the
// only version the operator serves).
var (
	DeploymentGVR = schema.GroupVersionResource{Group: "flink.apache.org", Version: "v1beta1", Resource: "flinkdeployments"}
	SessionJobGVR = schema.GroupVersionResource{Group: "flink.apache.org", Version: "v1beta1", Resource: "flinksessionjobs"}
)

// Kind names of the two resources, as in OperatorStatus.Kind.
const (
	KindDeployment = "FlinkDeployment"
	KindSessionJob = "FlinkSessionJob"
)

// resource is what discovery keeps of a FlinkDeployment or FlinkSessionJob:
// only the fields that make its target, so that a large fleet's informer
// cache is the only full copy.
type resource struct {
	Kind      string
	Namespace string
	Name      string
	UID       string
	// Team, SlackChannel, RESTURL and ConsumerGroups come from the
	// configured label/annotation keys; empty when absent.
	Team           string
	SlackChannel   string
	RESTURL        string
	ConsumerGroups []string
	// Session is spec.deploymentName of a FlinkSessionJob.
	Session string
	// HasJob is false for a session-mode FlinkDeployment (no spec.job).
	HasJob    bool
	Suspended bool
	// PipelineName is spec.flinkConfiguration["pipeline.name"], the job
	// name before the operator has reported one.
	PipelineName string
	Operator     fleet.OperatorStatus
}

// key identifies a resource within discovery: kinds share namespaces and
// names, so a FlinkSessionJob may be called like a FlinkDeployment.
func (r *resource) key() string { return r.Kind + "/" + r.Namespace + "/" + r.Name }

// parseResource reads a FlinkDeployment or FlinkSessionJob. It never fails:
// the operator's CRDs keep most fields optional and older operators wrote
// strings where newer ones write enums, so a field of an unexpected type is
// read as absent rather than losing the whole resource.
func parseResource(u *unstructured.Unstructured, kind string, keys *config.Kubernetes) *resource {
	r := &resource{
		Kind:      kind,
		Namespace: u.GetNamespace(),
		Name:      u.GetName(),
		UID:       string(u.GetUID()),
	}
	labels, annotations := u.GetLabels(), u.GetAnnotations()
	r.Team = lookup(labels, annotations, keys.TeamKey)
	r.SlackChannel = lookup(labels, annotations, keys.SlackChannelKey)
	r.RESTURL = strings.TrimSpace(annotations[keys.RESTURLKey])
	r.ConsumerGroups = splitGroups(lookup(nil, annotations, keys.ConsumerGroupsKey))

	obj := u.Object
	r.Session = str(obj, "spec", "deploymentName")
	_, r.HasJob = field(obj, "spec", "job").(map[string]any)
	r.Suspended = r.HasJob && strings.EqualFold(str(obj, "spec", "job", "state"), "suspended")
	r.PipelineName = str(obj, "spec", "flinkConfiguration", "pipeline.name")
	r.Operator = fleet.OperatorStatus{
		Kind:                       kind,
		LifecycleState:             str(obj, "status", "lifecycleState"),
		JobManagerDeploymentStatus: str(obj, "status", "jobManagerDeploymentStatus"),
		JobState:                   str(obj, "status", "jobStatus", "state"),
		JobName:                    str(obj, "status", "jobStatus", "jobName"),
		JobID:                      str(obj, "status", "jobStatus", "jobId"),
		Error:                      str(obj, "status", "error"),
	}
	return r
}

// lookup reads key from the labels, then the annotations: labels can be
// selected on, annotations can hold values labels cannot (a '#' channel).
func lookup(labels, annotations map[string]string, key string) string {
	if key == "" {
		return ""
	}
	if v := strings.TrimSpace(labels[key]); v != "" {
		return v
	}
	return strings.TrimSpace(annotations[key])
}

// splitGroups parses a comma-separated list of consumer groups, dropping
// blanks and repeats and keeping the order given.
func splitGroups(s string) []string {
	var out []string
	seen := map[string]bool{}
	for g := range strings.SplitSeq(s, ",") {
		g = strings.TrimSpace(g)
		if g == "" || seen[g] {
			continue
		}
		seen[g] = true
		out = append(out, g)
	}
	return out
}

// str reads a nested string field; anything else (absent, null, another
// type) is "".
func str(obj map[string]any, path ...string) string {
	s, _ := field(obj, path...).(string)
	return s
}

// field reads a nested field; nil when any step is absent or not an object.
func field(obj map[string]any, path ...string) any {
	var cur any = obj
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}
