package shared

import (
	"errors"
	"testing"
)

func TestStartedOnceStoppedOnShutdown(t *testing.T) {
	starts, stops := 0, 0
	s := New(func() (int, error) { starts++; return starts, nil }, func(int) { stops++ })
	a, _ := s.Get()
	b, _ := s.Get()
	if a != 1 || b != 1 || starts != 1 {
		t.Fatalf("Get twice: %d, %d after %d starts; want one start", a, b, starts)
	}
	s.Shutdown()
	s.Shutdown()
	if stops != 1 {
		t.Fatalf("%d stops after two Shutdowns of one start", stops)
	}
	if c, _ := s.Get(); c != 2 {
		t.Fatalf("Get after Shutdown: %d, want a new start", c)
	}
}

func TestFailedStartNotRetried(t *testing.T) {
	starts, stops := 0, 0
	boom := errors.New("boom")
	s := New(func() (int, error) { starts++; return 0, boom }, func(int) { stops++ })
	for range 3 {
		if _, err := s.Get(); !errors.Is(err, boom) {
			t.Fatalf("Get: %v, want boom", err)
		}
	}
	s.Shutdown()
	if starts != 1 || stops != 0 {
		t.Fatalf("%d starts, %d stops: a failed start is tried once and never stopped", starts, stops)
	}
}
