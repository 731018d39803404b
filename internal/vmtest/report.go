package vmtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"
)

// Report is one boot's report from the guest (reportScript): its
// sections by name, each the lines the guest printed.
type Report map[string]string

const (
	reportBegin = "=== transship-e2e report begin"
	reportEnd   = "=== transship-e2e report end"
)

// WaitReport waits for the report of boot n (1 for the first boot) in
// phase ("cloud-init": cloud-init is done; "settled": systemd has no job
// left), until ctx ends or qemu exits.
func (vm *VM) WaitReport(ctx context.Context, n int, phase string) (Report, error) {
	for {
		if r := find(parseReports(vm.report), n, phase); r != nil {
			return r, nil
		}
		if err := vm.Down(); err != nil {
			return nil, fmt.Errorf("%w, before boot %d's %s report", err, n, phase)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no %s report of boot %d: %w", phase, n, ctx.Err())
		case <-time.After(2 * time.Second):
		}
	}
}

// find is boot n's report in phase; boots are counted by their ids in
// the order they first report.
func find(reports []Report, n int, phase string) Report {
	var boots []string
	for _, r := range reports {
		id := strings.TrimSpace(r["boot_id"])
		if len(boots) == 0 || boots[len(boots)-1] != id {
			boots = append(boots, id)
		}
		if len(boots) == n && strings.TrimSpace(r["phase"]) == phase {
			return r
		}
	}
	return nil
}

// parseReports reads the complete reports in the second serial port's log.
func parseReports(path string) []Report {
	data, _ := os.ReadFile(path)
	var out []Report
	var cur Report
	section := ""
	for _, line := range strings.Split(strings.ReplaceAll(string(data), "\r", ""), "\n") {
		switch {
		case line == reportBegin:
			cur, section = Report{}, ""
		case cur == nil:
		case line == reportEnd:
			out, cur = append(out, cur), nil
		case strings.HasPrefix(line, "--- "):
			section = strings.TrimPrefix(line, "--- ")
			cur[section] = ""
		default:
			cur[section] += line + "\n"
		}
	}
	return out
}
