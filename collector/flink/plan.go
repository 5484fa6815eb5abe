package flink

import (
	"bytes"
	"encoding/json"
)

// Plan is the plan of /jobs/:jobid (JobPlanInfo): the job graph's
// vertices (nodes, whose ids are the vertex ids) and their inputs. Flink
// 1.15–1.17 send it as a string holding the JSON, 1.18 on as the object
// itself (a raw JSON value up to 2.0, a typed one from 2.1, with the same
// keys); both decode here.
type Plan struct {
	Nodes []PlanNode `json:"nodes"`
}

// PlanNode is one vertex of the plan. Its description is not decoded:
// nothing reads it, and SQL jobs describe a vertex with its whole
// expression, kilobytes that every job's details would keep.
type PlanNode struct {
	ID          string      `json:"id"`
	Parallelism int         `json:"parallelism"`
	Inputs      []PlanInput `json:"inputs"`
}

// PlanInput is an edge into a node from vertex ID.
type PlanInput struct {
	ID           string `json:"id"`
	Num          int    `json:"num"`
	ShipStrategy string `json:"ship_strategy"`
	Exchange     string `json:"exchange"`
}

// UnmarshalJSON accepts both forms. A plan it cannot read leaves Plan
// empty rather than failing the job details: it only draws the graph.
func (p *Plan) UnmarshalJSON(b []byte) error {
	*p = Plan{}
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) != nil {
			return nil
		}
		b = []byte(s)
	}
	var w struct {
		Nodes []PlanNode `json:"nodes"`
	}
	if json.Unmarshal(b, &w) == nil {
		p.Nodes = w.Nodes
	}
	return nil
}

// Graph is the job graph as the plan draws it, for walking from sources
// to sinks. Its methods return vertex ids in plan order (which Flink
// writes topologically sorted).
type Graph struct {
	order  []string
	inputs map[string][]string
	output map[string][]string
}

// Graph returns the job graph of d's plan. It is empty when the plan is
// (an unreadable or missing plan); an edge naming a vertex the plan does
// not list is dropped.
func (d JobDetails) Graph() Graph {
	g := Graph{inputs: map[string][]string{}, output: map[string][]string{}}
	known := make(map[string]bool, len(d.Plan.Nodes))
	for _, n := range d.Plan.Nodes {
		if n.ID != "" && !known[n.ID] {
			known[n.ID] = true
			g.order = append(g.order, n.ID)
		}
	}
	for _, n := range d.Plan.Nodes {
		for _, in := range n.Inputs {
			if !known[in.ID] || !known[n.ID] || contains(g.inputs[n.ID], in.ID) {
				continue
			}
			g.inputs[n.ID] = append(g.inputs[n.ID], in.ID)
			g.output[in.ID] = append(g.output[in.ID], n.ID)
		}
	}
	return g
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Vertices returns every vertex id.
func (g Graph) Vertices() []string { return g.order }

// Inputs returns the vertices feeding id.
func (g Graph) Inputs(id string) []string { return g.inputs[id] }

// Outputs returns the vertices id feeds (downstream).
func (g Graph) Outputs(id string) []string { return g.output[id] }

// Sources returns the vertices without inputs.
func (g Graph) Sources() []string { return g.filter(g.inputs) }

// Sinks returns the vertices without outputs.
func (g Graph) Sinks() []string { return g.filter(g.output) }

func (g Graph) filter(edges map[string][]string) []string {
	var out []string
	for _, id := range g.order {
		if len(edges[id]) == 0 {
			out = append(out, id)
		}
	}
	return out
}
