package daemon

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Proc is a child started by Spawn, whose stdout and stderr go to a file.
type Proc struct {
	// Name names the process in errors and logs.
	Name string
	// Output is the path of the file holding its stdout and stderr.
	Output string

	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // cmd.Wait's, set before done is closed
}

// Spawn starts cmd from the spawner's thread (see Start) with its stdout
// and stderr in a new file at output, and waits for it in the background.
func (s *Spawner) Spawn(name string, cmd *exec.Cmd, output string) (*Proc, error) {
	out, err := os.Create(output)
	if err != nil {
		return nil, err
	}
	defer out.Close() // the child has its own descriptor
	cmd.Stdout, cmd.Stderr = out, out
	if err := s.Start(cmd); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &Proc{Name: name, Output: output, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Wait waits for the process to exit and returns cmd.Wait's error.
func (p *Proc) Wait() error {
	<-p.done
	return p.err
}

// Stop sends SIGTERM, then SIGKILL if the process is still there after
// grace, and waits for it.
func (p *Proc) Stop(grace time.Duration) {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.cmd.Process.Kill()
		<-p.done
	}
}
