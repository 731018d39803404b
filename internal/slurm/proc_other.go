//go:build !linux

package slurm

// markedProcs: no /proc to search; Close only stops the daemons.
func markedProcs(match func(dir string) bool) []int { return nil }

func kill(pid int) {}

// isolate: network namespaces are Linux's; the tests run here.
func isolate() (code int, done bool) { return 0, false }

// OuterNetns: Main never moves the tests, so "".
func OuterNetns() string { return "" }

// leftovers: no /proc to search.
func leftovers(uid int, match func(dir string) bool) []Proc { return nil }
