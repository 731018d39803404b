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
	if got := parseReports(filepath.Join(t.TempDir(), "missing")); got != nil {
		t.Errorf("a missing log gave %q", got)
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
