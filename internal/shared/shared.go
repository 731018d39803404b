// Package shared holds the one instance of a slow test service (a real
// API server, a Slurm cluster) that all tests of a test binary share:
// started on first use, never twice, and stopped from TestMain.
//
//	var server = shared.New(func() (*Server, error) { return Start(ctx) }, (*Server).Close)
//	func Require(t testing.TB) *Server { ...; s, err := server.Get(); ... }
//	func Main(m *testing.M) { server.Main(m) }
package shared

import (
	"os"
	"sync"
	"testing"
)

// Service is one shared instance of T.
type Service[T any] struct {
	start func() (T, error)
	stop  func(T)

	mu      sync.Mutex
	v       T
	started bool
	err     error // a failed start is not retried: every Get reports it
}

// New describes a shared service: start makes it, stop ends it.
func New[T any](start func() (T, error), stop func(T)) *Service[T] {
	return &Service[T]{start: start, stop: stop}
}

// Get returns the service, starting it on the first call. A start that
// failed fails every later Get with the same error.
func (s *Service[T]) Get() (T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started && s.err == nil {
		s.v, s.err = s.start()
		s.started = s.err == nil
	}
	return s.v, s.err
}

// Shutdown stops the service if Get started it; a later Get starts a new
// one.
func (s *Service[T]) Shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		s.stop(s.v)
	}
	var zero T
	s.v, s.started, s.err = zero, false, nil
}

// Main is a TestMain for packages using the service: it runs the tests,
// shuts the service down and exits with the tests' status.
func (s *Service[T]) Main(m *testing.M) {
	code := m.Run()
	s.Shutdown()
	os.Exit(code)
}
