// Package config is what the real-runtime tests tell the stand-in about
// the services of an example (/standin.json in its image) and what the
// stand-in reports back (its STANDIN line).
package config

import (
	"path"
	"strings"
	"time"
)

// Config is /standin.json: the services that run this image.
type Config struct {
	Services []Service `json:"services"`
}

// Service is one compose service played by the stand-in.
type Service struct {
	Name           string   `json:"name"`
	Argv           []string `json:"argv"`             // what the runtime runs: entrypoint and command
	Health         []string `json:"health,omitempty"` // the healthcheck's argv, or ["sh","-c",script]
	Ports          []int    `json:"ports,omitempty"`
	HealthyAfterMS int      `json:"healthyAfterMs,omitempty"`
	OneShot        bool     `json:"oneshot,omitempty"`
	Exit           int      `json:"exit,omitempty"`
	Files          []string `json:"files,omitempty"`  // read and reported
	Writes         []string `json:"writes,omitempty"` // directories to write a file into
	Dials          []Dial   `json:"dials,omitempty"`
}

// Dial is another service's address to connect to at start.
type Dial struct {
	Addr string        `json:"addr"`
	Wait time.Duration `json:"wait"` // 0: it must answer at once
}

// Record is what the stand-in saw, printed as "STANDIN {json}".
type Record struct {
	Service string            `json:"service"`
	Argv    []string          `json:"argv"`
	Env     map[string]string `json:"env"`
	Cwd     string            `json:"cwd"`
	UID     int               `json:"uid"`
	GID     int               `json:"gid"`
	Files   map[string]string `json:"files"`
	Writes  map[string]string `json:"writes"` // directory: "ok" or the error
	Dials   map[string]string `json:"dials"`  // address: the answer or "ERROR: ..."
	Start   time.Time         `json:"start"`  // when it started
	// HealthyFrom is the earliest its healthcheck can pass: HealthyAfterMS
	// after its start (then it listens), or for a service without ports
	// after the launcher prepared it (the probe's reference, which comes
	// before the start by however long the runtime took to start it).
	HealthyFrom time.Time `json:"healthyFrom"`
}

// ByArgv is the service whose command argv is (argv[0] compared by its
// base name: the runtime may run the entrypoint by another path).
func (c *Config) ByArgv(argv []string) *Service {
	for i := range c.Services {
		if sameArgv(c.Services[i].Argv, argv) {
			return &c.Services[i]
		}
	}
	return nil
}

// ByHealth is the service whose healthcheck argv is, or whose shell
// healthcheck runs argv[0].
func (c *Config) ByHealth(argv []string) *Service {
	for i := range c.Services {
		h := c.Services[i].Health
		if sameArgv(h, argv) {
			return &c.Services[i]
		}
		if len(h) == 3 && h[1] == "-c" && len(argv) > 0 {
			for _, w := range strings.Fields(h[2]) {
				if w == path.Base(argv[0]) || w == argv[0] {
					return &c.Services[i]
				}
			}
		}
	}
	return nil
}

// ByScript is the service whose command is a shell script that runs
// name (curl in a script).
func (c *Config) ByScript(name string) *Service {
	for i := range c.Services {
		a := c.Services[i].Argv
		if len(a) > 1 && (path.Base(a[0]) == "sh" || path.Base(a[0]) == "bash") && strings.Contains(a[len(a)-1], name) {
			return &c.Services[i]
		}
	}
	return nil
}

func sameArgv(want, got []string) bool {
	if len(want) == 0 || len(want) != len(got) || path.Base(want[0]) != path.Base(got[0]) {
		return false
	}
	for i := 1; i < len(want); i++ {
		if want[i] != got[i] {
			return false
		}
	}
	return true
}
