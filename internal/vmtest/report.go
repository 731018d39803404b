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

// WaitReport waits for the n-th boot's report (1 for the first boot),
// until ctx ends or qemu exits.
func (vm *VM) WaitReport(ctx context.Context, n int) (Report, error) {
	for {
		reports := parseReports(vm.report)
		if len(reports) >= n {
			return reports[n-1], nil
		}
		if ok, err := vm.Exited(); ok {
			return nil, fmt.Errorf("qemu exited (%v) before boot %d's report", err, n)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no report of boot %d: %w", n, ctx.Err())
		case <-time.After(2 * time.Second):
		}
	}
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
