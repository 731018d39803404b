package batch_test

import (
	"encoding/json"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/transship/transship/internal/standin"
	"github.com/transship/transship/internal/standin/config"
	"github.com/transship/transship/translate"
)

// What the stand-ins of an example are told (/standin.json, per image),
// derived from its graph: every service's argv, healthcheck, ports, the
// files it mounts, the dependencies it calls. Images named busybox are
// the real thing (Debian's busybox-static), since busybox is what they
// are: their scripts (vm-web's render.sh) run for real.

// healthyAfter is how long a stand-in with a healthcheck stays unhealthy:
// a dependent the launcher starts too early finds it not listening.
const healthyAfter = 2000 * time.Millisecond

// standinPlan is an example's images and what is expected of its run.
type standinPlan struct {
	images  map[string]standin.Image // by ref, Program and Config unset for busybox
	configs map[string]*config.Config
	real    map[string]bool // services running a real busybox
	low     []string        // stand-in services with a port below 1024: they cannot listen
}

func isBusybox(ref string) bool {
	r := strings.TrimPrefix(strings.TrimPrefix(ref, "docker.io/"), "library/")
	return r == "busybox" || strings.HasPrefix(r, "busybox:")
}

// planExample plans for runtime rt: under udocker, argv has no empty
// words (BAT129: udocker drops them; the checks want the warning).
func planExample(g *translate.Graph, rt string) *standinPlan {
	p := &standinPlan{images: map[string]standin.Image{}, configs: map[string]*config.Config{}, real: map[string]bool{}}
	links := map[string]map[string]bool{}
	for _, s := range g.Services {
		if isBusybox(s.Image) {
			p.real[s.Name] = true
			p.images[s.Image] = standin.Image{Ref: s.Image}
			continue
		}
		c := p.configs[s.Image]
		if c == nil {
			c = &config.Config{}
			p.configs[s.Image], links[s.Image] = c, map[string]bool{"curl": true, "wget": true}
		}
		sv := config.Service{Name: s.Name, Argv: serviceArgv(s), OneShot: oneShot(g, s)}
		if rt == "udocker" {
			sv.Argv = slices.DeleteFunc(sv.Argv, func(a string) bool { return a == "" })
		}
		commandNames(sv.Argv, links[s.Image])
		if h := s.Health; h != nil && !h.Disabled && len(h.Test) > 0 {
			sv.Health = h.Test
			if h.Shell {
				sv.Health = []string{"/bin/sh", "-c", h.Test[0]}
			}
			sv.HealthyAfterMS = int(healthyAfter / time.Millisecond)
			commandNames(sv.Health, links[s.Image])
		}
		for _, pt := range ports(s) {
			sv.Ports = append(sv.Ports, pt)
			if pt < 1024 {
				p.low = append(p.low, s.Name)
			}
		}
		for _, m := range s.Mounts {
			sv.Files = append(sv.Files, m.Target)
			if m.Kind == translate.MountVolume || m.Kind == translate.MountBind && m.SourceKind != "file" {
				sv.Writes = append(sv.Writes, m.Target)
			}
		}
		for _, d := range s.DependsOn {
			for _, t := range g.Services {
				if t.Name != d.Service || isBusybox(t.Image) {
					continue
				}
				for _, pt := range ports(t) {
					if pt < 1024 {
						continue
					}
					w := 15 * time.Second
					if d.Condition == "service_healthy" && t.Health != nil && !t.Health.Disabled {
						w = 0 // the launcher waited until it listens
					}
					sv.Dials = append(sv.Dials, config.Dial{Addr: t.Name + ":" + itoa(pt), Wait: w})
				}
			}
		}
		c.Services = append(c.Services, sv)
	}
	for ref, c := range p.configs {
		b, _ := json.Marshal(c)
		var l []string
		for n := range links[ref] {
			l = append(l, n)
		}
		sort.Strings(l)
		p.images[ref] = standin.Image{Ref: ref, Config: b, Links: l}
	}
	sort.Strings(p.low)
	return p
}

// serviceArgv is what the runtime runs for s in a stand-in image, whose
// entrypoint is /standin and which has no CMD.
func serviceArgv(s *translate.Service) []string {
	if s.Entrypoint != nil {
		return append(append([]string{}, s.Entrypoint...), s.Command...)
	}
	return append([]string{"/standin"}, s.Command...)
}

// oneShot: a service that ends by itself: restart "no" in the example, or
// something waits for it to complete.
func oneShot(g *translate.Graph, s *translate.Service) bool {
	if s.Restart.Policy == "no" {
		return true
	}
	for _, o := range g.Services {
		for _, d := range o.DependsOn {
			if d.Service == s.Name && d.Condition == "service_completed_successfully" {
				return true
			}
		}
	}
	return false
}

// ports are the container ports a service listens on (ports and expose).
func ports(s *translate.Service) []int {
	seen := map[int]bool{}
	var out []int
	for _, pt := range append(append([]translate.Port{}, s.Ports...), s.Expose...) {
		if pt.Protocol == "tcp" || pt.Protocol == "" {
			if n := int(pt.Target); n > 0 && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

var wordRE = regexp.MustCompile(`^[A-Za-z0-9_./-]+$`)

// shellWords are what a shell runs itself, or busybox has: not linked.
var shellWords = map[string]bool{"sh": true, "exit": true, "exec": true, "echo": true, "mkdir": true, "chown": true,
	"wc": true, "grep": true, "test": true, "[": true, "date": true, "if": true, "then": true, "fi": true}

// commandNames adds the programs argv runs, to link to the stand-in:
// argv[0], or for a shell's -c script the first word of each command.
func commandNames(argv []string, into map[string]bool) {
	if len(argv) == 0 {
		return
	}
	if b := path.Base(argv[0]); b == "sh" || b == "bash" {
		script := argv[len(argv)-1]
		for _, seg := range regexp.MustCompile(`\|\||&&|[|;&()\n]`).Split(script, -1) {
			f := strings.Fields(seg)
			for len(f) > 0 && (strings.Contains(f[0], "=") || f[0] == "exec" || f[0] == "!") {
				f = f[1:]
			}
			if len(f) > 0 && wordRE.MatchString(f[0]) && !shellWords[f[0]] {
				into[f[0]] = true
			}
		}
		return
	}
	into[argv[0]] = true
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
