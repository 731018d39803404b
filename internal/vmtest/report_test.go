package vmtest

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The second serial port's log as the guest writes it: CRLF line ends,
// boot noise before a report, and a report cut off by a power cut.
func TestParseReports(t *testing.T) {
	log := "noise\r\n" +
		"=== transship-e2e report begin\r\n--- boot_id\r\nb1\r\n--- swap\r\n/swapfile 256M\r\n" +
		"--- failed units\r\n=== transship-e2e report end\r\n" +
		"=== transship-e2e report begin\r\n--- boot_id\r\nb2\r\n=== transship-e2e report end\r\n" +
		"=== transship-e2e report begin\r\n--- boot_id\r\nb3\r\n"
	path := filepath.Join(t.TempDir(), "report.log")
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	want := []Report{
		{"boot_id": "b1\n", "swap": "/swapfile 256M\n", "failed units": ""},
		{"boot_id": "b2\n"},
	}
	if got := parseReports(path); !reflect.DeepEqual(got, want) {
		t.Errorf("parseReports:\n got %q\nwant %q", got, want)
	}
	got := parseReports(path)
	if r := find(got, 1, "cloud-init"); r != nil {
		t.Errorf("find: no report has a phase, found %q", r)
	}
	if got := parseReports(filepath.Join(t.TempDir(), "missing")); got != nil {
		t.Errorf("a missing log gave %q", got)
	}
}

func TestFind(t *testing.T) {
	reports := []Report{
		{"phase": "cloud-init\n", "boot_id": "a\n"},
		{"phase": "settled\n", "boot_id": "a\n"},
		{"phase": "cloud-init\n", "boot_id": "b\n"},
	}
	for _, c := range []struct {
		n     int
		phase string
		want  Report
	}{
		{1, "cloud-init", reports[0]}, {1, "settled", reports[1]},
		{2, "cloud-init", reports[2]}, {2, "settled", nil}, {3, "cloud-init", nil},
	} {
		if got := find(reports, c.n, c.phase); !reflect.DeepEqual(got, c.want) {
			t.Errorf("find(boot %d, %s) = %q, want %q", c.n, c.phase, got, c.want)
		}
	}
}

// The cache key follows every input of the build.
func TestCacheKey(t *testing.T) {
	a := cacheKey([]string{"busybox:1.37"})
	if a != cacheKey([]string{"busybox:1.37"}) {
		t.Error("cacheKey is not stable")
	}
	if a == cacheKey([]string{"busybox:1.36"}) {
		t.Error("cacheKey ignores the image tags")
	}
	saved := guestFiles[0].content
	guestFiles[0].content += "# changed\n"
	defer func() { guestFiles[0].content = saved }()
	if a == cacheKey([]string{"busybox:1.37"}) {
		t.Error("cacheKey ignores the guest files")
	}
}
