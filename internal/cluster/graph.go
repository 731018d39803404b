package cluster

import (
	"encoding/json"
	"strings"
)

// Graph is the part of `transship graph`'s JSON the suite compares the
// running pods with: what compose meant, before any target rendered it.
type Graph struct {
	Services []GraphService `json:"services"`
	// Dir is the project directory, where bind sources are (not in the
	// JSON: the suite sets it).
	Dir string `json:"-"`
}

// GraphService is one compose service.
type GraphService struct {
	Name        string `json:"name"`
	Environment []struct {
		Name  string  `json:"name"`
		Value *string `json:"value"`
	} `json:"environment"`
	Mounts []struct {
		Kind       string `json:"kind"`
		Source     string `json:"source"`
		SourceKind string `json:"source_kind"`
		ReadOnly   bool   `json:"read_only"`
		Target     string `json:"target"`
		Mode       *int   `json:"mode"`
	} `json:"mounts"`
	DependsOn []struct {
		Service   string `json:"service"`
		Condition string `json:"condition"`
	} `json:"depends_on"`
}

// ParseGraph decodes `transship graph` output.
func ParseGraph(data []byte) (*Graph, error) {
	var g Graph
	return &g, json.Unmarshal(data, &g)
}

// Service finds a service by the name of its workload (Kubernetes names
// have "-" for "_").
func (g *Graph) Service(workload string) *GraphService {
	for i, s := range g.Services {
		if s.Name == workload || strings.ReplaceAll(strings.ToLower(s.Name), "_", "-") == workload {
			return &g.Services[i]
		}
	}
	return nil
}
