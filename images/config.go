package images

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/transship/transship/translate"
)

// startInterval reads the one healthcheck field v1.HealthConfig lacks
// (Docker added HEALTHCHECK --start-interval in 25.0).
type startInterval struct {
	Config struct {
		Healthcheck *struct {
			StartInterval time.Duration `json:"StartInterval"`
		} `json:"Healthcheck"`
	} `json:"config"`
}

// fillConfig copies an image config into info. It works on the raw bytes
// so it can read fields go-containerregistry does not model.
func fillConfig(info *translate.ImageFacts, raw []byte) error {
	cf, err := v1.ParseConfigFile(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("reading image config: %w", err)
	}
	var extra startInterval
	if err := json.Unmarshal(raw, &extra); err != nil {
		return fmt.Errorf("reading image config: %w", err)
	}
	c := cf.Config
	info.Entrypoint = nonEmpty(c.Entrypoint)
	info.Cmd = nonEmpty(c.Cmd)
	info.Env = nonEmpty(c.Env)
	info.WorkingDir = c.WorkingDir
	info.User = c.User
	info.ExposedPorts = sortedKeys(c.ExposedPorts)
	if len(c.Labels) > 0 {
		info.Labels = c.Labels
	}
	if h := c.Healthcheck; h != nil {
		info.Healthcheck = &translate.ImageHealth{
			Test: h.Test, Interval: h.Interval, Timeout: h.Timeout,
			StartPeriod: h.StartPeriod, Retries: h.Retries,
		}
		if e := extra.Config.Healthcheck; e != nil {
			info.Healthcheck.StartInterval = e.StartInterval
		}
	}
	if info.Platform == "" { // a plain image: its config says what it is
		info.Platform = platformString(cf.OS, cf.Architecture, cf.Variant)
	}
	return nil
}

// nonEmpty maps [] to nil: the lock file omits both, so a fresh lookup
// and one read back from the lock compare equal. (For an image, an empty
// Entrypoint or Cmd means the same as none.)
func nonEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func sortedKeys(m map[string]struct{}) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
