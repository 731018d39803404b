// Package role is what the harness tells the stand-in (/standin.json) and
// what the stand-in reports back (its STANDIN line).
package role

// Workload is one entry of /standin.json.
type Workload struct {
	Ports        []Port   `json:"ports,omitempty"`
	OneShot      bool     `json:"oneshot,omitempty"`
	HealthyAfter int      `json:"healthyAfter,omitempty"` // seconds
	Files        []string `json:"files,omitempty"`
}

// Port is a port the workload listens on.
type Port struct {
	Port     int    `json:"port"`
	Protocol string `json:"protocol"` // TCP or UDP
}

// Report is what the server prints.
type Report struct {
	Workload string          `json:"workload"`
	Argv     []string        `json:"argv"`
	Env      []string        `json:"env"`
	Cwd      string          `json:"cwd"`
	UID      int             `json:"uid"`
	GID      int             `json:"gid"`
	Groups   []int           `json:"groups"`
	Files    map[string]File `json:"files"`
	Token    bool            `json:"token"`
}

// File is a file the server read.
type File struct {
	Mode    string `json:"mode"`    // octal permission bits
	Content string `json:"content"` // base64
	Error   string `json:"error,omitempty"`
}

// Match is the entry of all a pod of that hostname runs: the longest name
// the hostname is, or starts with followed by "-" (a Deployment's or a
// Job's pods add suffixes). "" when none.
func Match(all map[string]Workload, host string) string {
	best := ""
	for k := range all {
		if (host == k || len(host) > len(k) && host[:len(k)+1] == k+"-") && len(k) > len(best) {
			best = k
		}
	}
	return best
}
