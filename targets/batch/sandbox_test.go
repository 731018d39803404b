package batch_test

import (
	"strings"
	"testing"

	"github.com/transship/transship/targets/batch"
	"github.com/transship/transship/translate"
)

// TestDiracSandbox: a DIRAC job's input sandbox holds run.sh and the
// project entries its services mount, not the whole project directory,
// and the job finds them beside run.sh; what read-write binds write into
// comes back in binds.tar.gz (run.sh's side of it runs for real in
// TestRealExamples). No DIRAC runs here: the JDL is
// checked as text (DIRAC's sandbox client adds each entry under its
// base name, which is what TRANSSHIP_PROJECT_DIR=. relies on).
func TestDiracSandbox(t *testing.T) {
	svc := &translate.Service{Name: "a", Image: "i", WorkingDir: "/", Mounts: []translate.Mount{
		{Kind: translate.MountBind, Source: "conf/app.ini", Target: "/c", ReadOnly: true},
		{Kind: translate.MountBind, Source: "conf/more", Target: "/m", ReadOnly: true},
		{Kind: translate.MountBind, Source: "out", Target: "/o"},
		{Kind: translate.MountBind, Source: "../shared", Target: "/s", ReadOnly: true},
		{Kind: translate.MountBind, Source: "new/dir", Target: "/n", ReadOnly: true, SourceKind: "missing"},
		{Kind: translate.MountBind, Source: "run.sh", Target: "/r", ReadOnly: true},
		{Kind: translate.MountBind, Source: "/abs", Target: "/abs"},
	}}
	sb := slurmSite
	sb.Scheduler = "dirac"
	out, ds := emit(t, sb, svc)
	jdl := out[batch.JDL]
	for _, want := range []string{
		`InputSandbox = {"run.sh", "../p/conf", "../p/new", "../p/out"};`,
		`OutputSandbox = {"std.out", "std.err", "binds.tar.gz"};`,
		`ExecutionEnvironment = {"TRANSSHIP_PROJECT_DIR=.", "TRANSSHIP_BINDS_TARBALL=binds.tar.gz"};`,
	} {
		if !strings.Contains(jdl, want) {
			t.Errorf("job.jdl lacks %s:\n%s", want, jdl)
		}
	}
	all := transferMessages(ds)
	for _, want := range []string{
		"DIRAC cannot transfer ../shared",
		"new/dir does not exist yet, and DIRAC refuses",
		"DIRAC puts the project's run.sh beside run.sh",
		"DIRAC brings out back in binds.tar.gz (README.txt",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no BAT131 saying %q in:\n%s", want, all)
		}
	}
	if strings.Contains(all, "/abs") {
		t.Errorf("an absolute path is the node's (BAT114), not a transfer: %s", all)
	}
	if !strings.Contains(out["README.txt"], "  ../p/conf\n  ../p/new\n  ../p/out\n") {
		t.Errorf("README.txt does not list the sandbox's entries:\n%s", out["README.txt"])
	}
	if !strings.Contains(out["README.txt"], "write into out of the project comes back as\nbinds.tar.gz, in the output sandbox") {
		t.Errorf("README.txt does not say what comes back:\n%s", out["README.txt"])
	}

	// A service that mounts the whole project: the directory goes by its
	// own name, and the job is told that name.
	whole := &translate.Service{Name: "a", Image: "i", WorkingDir: "/", Mounts: []translate.Mount{
		{Kind: translate.MountBind, Source: ".", Target: "/w", ReadOnly: true},
		{Kind: translate.MountBind, Source: "../shared", Target: "/s", ReadOnly: true},
	}}
	out, ds = emit(t, sb, whole)
	if m := transferMessages(ds); !strings.Contains(m, "DIRAC cannot transfer ../shared") {
		t.Errorf("whole project: no BAT131 for ../shared: %s", m)
	}
	for _, want := range []string{`InputSandbox = {"run.sh", "../p"};`, `"TRANSSHIP_PROJECT_DIR=p"`} {
		if !strings.Contains(out[batch.JDL], want) {
			t.Errorf("whole project: job.jdl lacks %s:\n%s", want, out[batch.JDL])
		}
	}

	// The whole project mounted writable: all of it comes back.
	whole.Mounts[0].ReadOnly = false
	out, ds = emit(t, sb, whole)
	if m := transferMessages(ds); !strings.Contains(m, "DIRAC brings the project directory back in binds.tar.gz") {
		t.Errorf("whole project writable: no BAT131 saying it comes back: %s", m)
	}
	if r := out["README.txt"]; !strings.Contains(r, "write into the project directory comes back as\nbinds.tar.gz") {
		t.Errorf("whole project writable: README.txt does not say it comes back:\n%s", r)
	}
	if !strings.Contains(out[batch.JDL], `"TRANSSHIP_PROJECT_DIR=p", "TRANSSHIP_BINDS_TARBALL=binds.tar.gz"`) {
		t.Errorf("whole project writable: no binds tarball in job.jdl:\n%s", out[batch.JDL])
	}

	// Entries named as the job's own files beside run.sh on DIRAC clash
	// with them (review3 item 2); under Slurm nothing clashes with them.
	for _, name := range []string{"std.out", "std.err", "volumes.tar.gz", "binds.tar.gz", "volumes"} {
		clash := &translate.Service{Name: "a", Image: "i", WorkingDir: "/", Mounts: []translate.Mount{
			{Kind: translate.MountBind, Source: name, Target: "/x", ReadOnly: true, SourceKind: "file"},
		}}
		out, ds = emit(t, sb, clash)
		if m := transferMessages(ds); !strings.Contains(m, "DIRAC puts the project's "+name+" beside run.sh") {
			t.Errorf("%s: no BAT131 for the clash: %s", name, m)
		}
		if strings.Contains(out[batch.JDL], "../p/"+name) {
			t.Errorf("%s: the clashing entry is in the input sandbox:\n%s", name, out[batch.JDL])
		}
	}

	// Nothing mounted: run.sh alone.
	out, _ = emit(t, sb, &translate.Service{Name: "a", Image: "i", WorkingDir: "/"})
	if !strings.Contains(out[batch.JDL], `InputSandbox = {"run.sh"};`) {
		t.Errorf("nothing mounted: job.jdl sends more than run.sh:\n%s", out[batch.JDL])
	}
}
