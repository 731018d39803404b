package images

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/transship/transship/translate"
)

// Resolve looks up every reference (deduplicated, any order) and returns
// the infos sorted by Ref and the problems sorted by Ref. Each reference
// ends up in exactly one of the two. Cancelling ctx stops every lookup;
// the references not done by then are problems.
func Resolve(ctx context.Context, refs []string, o Options) ([]translate.ImageFacts, []Problem) {
	o = o.withDefaults()
	uniq := slices.Compact(slices.Sorted(slices.Values(refs)))
	plat, err := parsePlatform(o.Platform)
	if err != nil {
		return nil, allProblems(uniq, err.Error())
	}
	r := &resolver{o: o, plat: plat, transport: o.Transport, keychain: o.Keychain}
	if r.transport == nil {
		r.transport = remote.DefaultTransport
	}
	if r.keychain == nil {
		r.keychain = &registryCache{inner: authn.DefaultKeychain, m: map[string]authn.Authenticator{}}
	}
	r.nameOpts = []name.Option{name.WeakValidation}
	if o.Insecure {
		r.nameOpts = append(r.nameOpts, name.Insecure)
	}

	results := make([]outcome, len(uniq))
	var done atomic.Int64
	stop := startProgress(o.Progress, len(uniq), &done)
	r.runAll(ctx, uniq, results, &done)
	stop()
	return split(uniq, results)
}

// outcome is one reference's result; exactly one field is set.
type outcome struct {
	info translate.ImageFacts
	err  string
}

func split(refs []string, results []outcome) ([]translate.ImageFacts, []Problem) {
	var infos []translate.ImageFacts
	var problems []Problem
	for i, res := range results {
		if res.err != "" {
			problems = append(problems, Problem{Ref: refs[i], Err: res.err})
		} else {
			infos = append(infos, res.info)
		}
	}
	return infos, problems
}

func allProblems(refs []string, msg string) []Problem {
	out := make([]Problem, len(refs))
	for i, ref := range refs {
		out[i] = Problem{Ref: ref, Err: msg}
	}
	return out
}

type resolver struct {
	o         Options
	plat      v1.Platform
	transport http.RoundTripper
	keychain  authn.Keychain
	nameOpts  []name.Option
}

// runAll resolves refs[i] into results[i] with o.Parallel workers. Each
// worker writes only its own slots, so results needs no lock.
func (r *resolver) runAll(ctx context.Context, refs []string, results []outcome, done *atomic.Int64) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(r.o.Parallel, len(refs)) {
		wg.Go(func() {
			for i := range next {
				info, err := r.safeOne(ctx, refs[i])
				if err != nil {
					results[i] = outcome{err: err.Error()}
				} else {
					results[i] = outcome{info: info}
				}
				done.Add(1)
			}
		})
	}
	for i := range refs {
		next <- i
	}
	close(next)
	wg.Wait()
}

// safeOne is one, with a panic (a registry answer go-containerregistry
// did not expect) turned into that reference's problem: an image lookup
// is an optional enrichment and must not take the conversion down.
func (r *resolver) safeOne(ctx context.Context, ref string) (info translate.ImageFacts, err error) {
	defer func() {
		if p := recover(); p != nil {
			info, err = translate.ImageFacts{}, fmt.Errorf("internal error looking the image up: %v", p)
		}
	}()
	return r.one(ctx, ref)
}

// one resolves a reference, retrying what may pass (network errors, 5xx,
// 429) and giving up at once on what will not (401, 403, 404, bad names).
func (r *resolver) one(ctx context.Context, ref string) (translate.ImageFacts, error) {
	orig, err := name.ParseReference(ref, r.nameOpts...)
	if err != nil {
		return translate.ImageFacts{}, fmt.Errorf("invalid image reference: %v", err)
	}
	lookup := orig
	if m := Mirror(ref, r.o.Mirrors); m != ref {
		if lookup, err = name.ParseReference(m, r.nameOpts...); err != nil {
			return translate.ImageFacts{}, fmt.Errorf("invalid mirrored reference %s: %v", m, err)
		}
	}
	var info translate.ImageFacts
	var digest v1.Hash
	attempts := 0
	for {
		attempts++
		info, digest, err = r.attempt(ctx, lookup)
		if err == nil || attempts > r.o.Retries || !retryable(ctx, err) {
			break
		}
		if !sleep(ctx, backoff(attempts)) {
			err = ctx.Err()
			break
		}
	}
	if err != nil {
		return translate.ImageFacts{}, describe(ctx, err, r.o.Timeout, attempts, orig, lookup)
	}
	info.Ref = ref
	// The original repository, not the mirror's: the output must not
	// depend on where the image happened to be looked up.
	info.Resolved = orig.Context().Name() + "@" + digest.String()
	return info, nil
}

// backoff is the pause before retry n (1-based): 100ms, 400ms, 1.6s...,
// capped so a long retry list cannot stall a conversion.
func backoff(n int) time.Duration {
	d := 100 * time.Millisecond
	for i := 1; i < n && d < 2*time.Second; i++ {
		d *= 4
	}
	return min(d, 2*time.Second)
}

// sleep waits d, or less if ctx ends; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
