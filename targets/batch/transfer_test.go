package batch_test

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/targets/batch"
	"github.com/transship/transship/translate"
)

// TestCondorTransfer: an HTCondor job sends only the project entries its
// services mount and brings back the named volumes and read-write binds,
// for the examples. No HTCondor runs here (and condor_submit is not
// installable), so the lists are checked as text: this is the limit.
func TestCondorTransfer(t *testing.T) {
	for _, c := range []struct{ example, in, out string }{
		{"batch-pipeline", "../ex/batch-pipeline/pipeline, ../ex/batch-pipeline/results", "results, volumes"},
		{"secrets-configs", "../ex/secrets-configs/prometheus.yml, ../ex/secrets-configs/secrets", "volumes"},
		{"web-db-cache", "", "volumes"},
	} {
		t.Run(c.example, func(t *testing.T) {
			files := []string{filepath.Join("..", "..", "examples", c.example, "compose.yaml")}
			g, ds := translate.Load(context.Background(), translate.Options{Files: files, Env: []string{"POSTGRES_PASSWORD=x"}})
			if ds.HasErrors() {
				t.Fatal(ds)
			}
			sb := slurmSite
			sb.Scheduler = "htcondor"
			out, eds := batch.Emit(g, batch.Options{Site: sb, ProjectDir: "../ex/" + c.example})
			if eds.HasErrors() {
				t.Fatal(eds)
			}
			sub := out[0].Data
			for _, f := range out {
				if f.Path == batch.Submit {
					sub = f.Data
				}
			}
			in := regexp.MustCompile(`(?m)^transfer_input_files += (.*)$`).FindSubmatch(sub)
			got := ""
			if in != nil {
				got = string(in[1])
			}
			if got != c.in {
				t.Errorf("transfer_input_files = %q, want %q\n%s", got, c.in, sub)
			}
			o := regexp.MustCompile(`(?m)^transfer_output_files += (.*)$`).FindSubmatch(sub)
			if o == nil || string(o[1]) != c.out {
				t.Errorf("transfer_output_files = %q, want %q", o, c.out)
			}
			if strings.Contains(string(sub), c.example+",") || strings.Contains(string(sub), "= ../ex/"+c.example+"\n") {
				t.Errorf("the whole project directory is transferred:\n%s", sub)
			}
		})
	}
}

// TestCondorTransferEdges: paths outside the project, missing ones and
// names the launcher uses itself are warned about, never transferred
// silently.
func TestCondorTransferEdges(t *testing.T) {
	svc := &translate.Service{Name: "a", Image: "i", WorkingDir: "/", Mounts: []translate.Mount{
		{Kind: translate.MountBind, Source: "../shared", Target: "/s", ReadOnly: true},
		{Kind: translate.MountBind, Source: "out/logs", Target: "/l", SourceKind: "missing"},
		{Kind: translate.MountBind, Source: "volumes", Target: "/v", ReadOnly: true},
		{Kind: translate.MountBind, Source: "/abs", Target: "/abs"},
	}}
	sb := slurmSite
	sb.Scheduler = "htcondor"
	out, ds := emit(t, sb, svc)
	sub := out[batch.Submit]
	if !strings.Contains(sub, "transfer_input_files     = ../p/out\n") || !strings.Contains(sub, "transfer_output_files    = out\n") {
		t.Errorf("want only out/ both ways:\n%s", sub)
	}
	all := transferMessages(ds)
	for _, want := range []string{"cannot transfer ../shared", "out/logs does not exist yet", "where the job keeps its own volumes", "brings out back beside job.sub"} {
		if !strings.Contains(all, want) {
			t.Errorf("no BAT131 saying %q in:\n%s", want, all)
		}
	}
	if strings.Contains(all, "/abs") {
		t.Errorf("an absolute path is the node's (BAT114), not a transfer: %s", all)
	}
}

// TestDiracOutputSE: with a storage element in the site profile, the
// volumes' tarball (and the read-write binds' one) is OutputData there,
// not in the output sandbox, and BAT130 names the element; with neither
// nothing is uploaded.
func TestDiracOutputSE(t *testing.T) {
	vol := &translate.Service{Name: "db", Image: "i", WorkingDir: "/", Mounts: []translate.Mount{{Kind: translate.MountVolume, Source: "data", Target: "/d"}}}
	g := &translate.Graph{Name: "p", Files: []string{"compose.yaml"}, Services: []*translate.Service{vol}, Volumes: []*translate.Volume{{Name: "data"}}}
	sb := slurmSite
	sb.Scheduler, sb.DiracOutputSE = "dirac", "CESGA-DISK"
	files, ds := batch.Emit(g, batch.Options{Site: sb, ProjectDir: "../p"})
	jdl := byPath(files)[batch.JDL]
	for _, want := range []string{`OutputSandbox = {"std.out", "std.err"};`, `OutputData = {"volumes.tar.gz"};`, `OutputSE = "CESGA-DISK";`, `"TRANSSHIP_VOLUMES_TARBALL=volumes.tar.gz"`} {
		if !strings.Contains(jdl, want) {
			t.Errorf("job.jdl lacks %s:\n%s", want, jdl)
		}
	}
	if m := fmt.Sprint(ds); !strings.Contains(m, "BAT130") || !strings.Contains(m, "storage element CESGA-DISK") {
		t.Errorf("no BAT130 naming the storage element: %v", ds)
	}
	// What read-write binds write goes there too, beside the volumes.
	vol.Mounts = append(vol.Mounts, translate.Mount{Kind: translate.MountBind, Source: "results/run", Target: "/r"})
	files, _ = batch.Emit(g, batch.Options{Site: sb, ProjectDir: "../p"})
	jdl, readme := byPath(files)[batch.JDL], byPath(files)["README.txt"]
	for _, want := range []string{`OutputData = {"volumes.tar.gz", "binds.tar.gz"};`, `"TRANSSHIP_VOLUMES_TARBALL=volumes.tar.gz", "TRANSSHIP_BINDS_TARBALL=binds.tar.gz"}`} {
		if !strings.Contains(jdl, want) {
			t.Errorf("with a writable bind, job.jdl lacks %s:\n%s", want, jdl)
		}
	}
	if !strings.Contains(readme, "on the storage element CESGA-DISK (dirac-wms-job-get-output-data JOBID)") {
		t.Errorf("README.txt does not say binds.tar.gz goes to the storage element:\n%s", readme)
	}
	out, _ := emit(t, sb, &translate.Service{Name: "a", Image: "i", WorkingDir: "/"})
	if strings.Contains(out[batch.JDL], "OutputData") || strings.Contains(out[batch.JDL], "OutputSE") {
		t.Errorf("OutputData without volumes:\n%s", out[batch.JDL])
	}
}

// TestUserUnderUdocker: BAT106 says that udocker shows a service that
// runs as the submitting user as uid 0 (proot), when udocker may run it;
// TestRealExamples sees both under the real runtimes.
func TestUserUnderUdocker(t *testing.T) {
	for rt, want := range map[string]string{"udocker": "udocker's proot shows it as uid 0", "auto": "if the job runs with udocker, proot shows it as uid 0", "apptainer": ""} {
		sb := slurmSite
		sb.Runtime = rt
		_, ds := emit(t, sb, &translate.Service{Name: "a", Image: "i", WorkingDir: "/", User: "1000:1000"})
		var msg string
		for _, d := range ds {
			if d.Code == batch.CodeUser {
				msg = d.Message
			}
		}
		if !strings.Contains(msg, "runs as the user who submits the job") || want != "" && !strings.Contains(msg, want) || want == "" && strings.Contains(msg, "uid 0") {
			t.Errorf("%s: BAT106 says %q, want %q", rt, msg, want)
		}
	}
}

// The whole project mounted writable comes back whole: no
// transfer_output_files (HTCondor then returns every new or changed
// file), the project's contents sent once, not again entry by entry; an
// entry with white space is left out with BAT131, as condor_submit's
// lists cannot quote it (review2 item 6: the writes to . were lost, and
// "my dir" went unquoted into the list).
func TestCondorTransferWholeProjectWritable(t *testing.T) {
	svc := &translate.Service{Name: "a", Image: "i", WorkingDir: "/", Mounts: []translate.Mount{
		{Kind: translate.MountBind, Source: ".", Target: "/w", SourceKind: "dir"},
		{Kind: translate.MountBind, Source: "data/sub", Target: "/d", SourceKind: "dir"},
		{Kind: translate.MountBind, Source: "my dir", Target: "/m", ReadOnly: true, SourceKind: "dir"},
	}}
	sb := slurmSite
	sb.Scheduler = "htcondor"
	out, ds := emit(t, sb, svc)
	sub := out[batch.Submit]
	if !strings.Contains(sub, "transfer_input_files     = ../p/\n") || strings.Contains(sub, "transfer_output_files") {
		t.Errorf("want the project's contents in, every changed file back (no transfer_output_files):\n%s", sub)
	}
	all := transferMessages(ds)
	if !strings.Contains(all, "every file the job creates or changes") || strings.Contains(all, `"my dir"`) {
		t.Errorf("BAT131 messages (my dir travels inside .):\n%s", all)
	}
	svc.Mounts = svc.Mounts[1:] // without .: my dir needs a list entry
	out, ds = emit(t, sb, svc)
	if sub := out[batch.Submit]; strings.Contains(sub, "my dir") || !strings.Contains(sub, "transfer_output_files    = data\n") {
		t.Errorf("want my dir left out, data back:\n%s", sub)
	}
	if !slices.ContainsFunc(ds, func(d diag.Diagnostic) bool { return strings.Contains(d.Message, `cannot transfer "my dir"`) }) {
		t.Errorf("no BAT131 for my dir: %v", ds)
	}
}

// transferMessages are the BAT131 messages, a line each.
func transferMessages(ds diag.Diagnostics) string {
	var msgs []string
	for _, d := range ds {
		if d.Code == batch.CodeTransfer {
			msgs = append(msgs, d.Message)
		}
	}
	return strings.Join(msgs, "\n")
}
