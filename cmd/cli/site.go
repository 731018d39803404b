package cli

import (
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/site"
)

// siteFlag is convert's --site: one profile, loaded once before the
// target switch, of which each target's flags override their own part
// (kubeFlags.apply, batchFlags.apply, cloudFlags.over).
type siteFlag struct {
	name string
}

func (s *siteFlag) register(fs *pflag.FlagSet) {
	fs.StringVar(&s.name, "site", "generic", "site profile: a built-in name (see: transship targets) or an HCL file")
}

// load reads the profile; a file path is relative to the working
// directory.
func (s *siteFlag) load(e *env) (*site.Profile, diag.Diagnostics) {
	return site.Load(s.name, func(p string) ([]byte, error) {
		if !filepath.IsAbs(p) {
			p = filepath.Join(e.cwd, p)
		}
		return os.ReadFile(p)
	})
}
