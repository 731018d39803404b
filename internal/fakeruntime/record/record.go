// Package record is the log format of the runtime test double
// (internal/fakeruntime): one JSON Record per line. The double writes it
// and tests read it (internal/runtimedouble).
package record

// Record is one call of the double. [][]byte fields encode as arrays of
// base64 strings, so arbitrary bytes (non-UTF-8, newlines) survive.
type Record struct {
	Runtime  string   `json:"runtime"`            // apptainer | singularity | udocker (base name invoked)
	Verb     string   `json:"verb"`               // pull, exec, run, version, create, setup, inspect, rm, ...
	Argv     [][]byte `json:"argv"`               // os.Args[1:] exactly
	Image    string   `json:"image,omitempty"`    // exec/run: the image path; pull: the SOURCE; udocker run/setup: the container's image
	Command  [][]byte `json:"command,omitempty"`  // argv run on the host (entrypoint and args composed)
	Env      [][]byte `json:"env,omitempty"`      // container environment "K=V", in the order received, before PATH/HOME defaults
	Binds    []string `json:"binds,omitempty"`    // --bind/-B/-v values as given
	Workdir  string   `json:"workdir,omitempty"`  // --pwd/--cwd/-w/--workdir as given
	Flags    []string `json:"flags,omitempty"`    // boolean flags seen, as given, in order (e.g. "--containall")
	Hostname string   `json:"hostname,omitempty"` // --hostname
	PID      int      `json:"pid"`                // also the pid of the command it execs
	Time     int64    `json:"time"`               // time.Now().UnixNano()
}
