package translate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A bind source that is a symlink loop gave an empty claim with no word;
// one linking outside the project was read as if it were the project's.
func TestBindSourceLinks(t *testing.T) {
	for _, tc := range []struct {
		name, link, target, want string
	}{
		{"loop", "conf", "conf", "is a symlink loop"},
		{"outside", "conf", "/etc", "outside the project directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := project(t, map[string]string{"compose.yaml": "services:\n  web:\n    image: nginx\n    volumes:\n      - ./conf:/etc/nginx/conf.d\n"})
			if err := os.Symlink(tc.target, filepath.Join(dir, tc.link)); err != nil {
				t.Fatal(err)
			}
			_, ds := loadDiags(t, Options{ProjectDir: dir})
			var found bool
			for _, d := range ds {
				if d.Code == CodeBindLink {
					found = true
					if !strings.Contains(d.Message, tc.want) || d.Path != "services.web.volumes[0]" || d.Pos.Line != 5 {
						t.Errorf("diagnostic = %s", d.Format(""))
					}
				}
			}
			if !found || !ds.HasErrors() {
				t.Errorf("want error %s, got:\n%s", CodeBindLink, diagText(ds))
			}
		})
	}
	// A link inside the project is fine.
	dir := project(t, map[string]string{"compose.yaml": "services:\n  web:\n    image: nginx\n    volumes:\n      - ./conf:/etc/nginx/conf.d\n", "real/a.conf": "x"})
	if err := os.Symlink("real", filepath.Join(dir, "conf")); err != nil {
		t.Fatal(err)
	}
	if _, ds := loadDiags(t, Options{ProjectDir: dir}); ds.HasErrors() {
		t.Errorf("a link inside the project: %s", diagText(ds))
	}
}
