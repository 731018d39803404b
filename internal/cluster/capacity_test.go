package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
)

// The node has this machine's 2 cores, and several examples ask for 1 or
// 2 of them (gpu's llm 2, batch-pipeline's process 1). Run in parallel,
// they would wait for each other's CPU, or deadlock: a pod waiting in its
// init phase for a Job holds its request while the Job cannot be
// scheduled. So an example starts only when the CPU its pods request fits
// beside the running ones' (a Helm release's: as installed or while it
// upgrades, whichever is more); one asking for more than the node has
// runs alone. The limits stay as the output says (the stand-ins use no CPU).

// cpuPool is a counting semaphore of the node's allocatable millicores.
type cpuPool struct {
	mu    sync.Mutex
	cond  *sync.Cond
	total int64
	used  int64
}

func newCPUPool(total int64) *cpuPool {
	p := &cpuPool{total: total}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// acquire waits until n millicores (at most the whole node) are free, and
// returns the release.
func (p *cpuPool) acquire(n int64) func() {
	n = min(n, p.total)
	p.mu.Lock()
	for p.used+n > p.total {
		p.cond.Wait()
	}
	p.used += n
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		p.used -= n
		p.mu.Unlock()
		p.cond.Broadcast()
	}
}

// nodeCPU is the node's allocatable CPU as a pool.
func (s *suite) nodeCPU(ctx context.Context) (*cpuPool, error) {
	out, err := s.c.Kubectl(ctx, nil, "get", "nodes", "-o", "json")
	if err != nil {
		return nil, err
	}
	var nodes corev1.NodeList
	if err := json.Unmarshal(out, &nodes); err != nil || len(nodes.Items) != 1 {
		return nil, fmt.Errorf("want one node: %v", err)
	}
	q := nodes.Items[0].Status.Allocatable[corev1.ResourceCPU]
	return newCPUPool(q.MilliValue()), nil
}

// fakeGPUs advertises nvidia.com/gpu on the node, as the Kubernetes docs'
// "Advertise Extended Resources for a Node" does, so that the gpu
// example's pod is scheduled. Honest because nothing uses a GPU: the
// stand-in in its place only listens and reports. The kubelet keeps an
// extended resource it has no device plugin for.
func (s *suite) fakeGPUs(ctx context.Context) error {
	patch := `[{"op": "add", "path": "/status/capacity/nvidia.com~1gpu", "value": "4"}]`
	_, err := s.c.Kubectl(ctx, nil, "patch", "node", nodeName, "--subresource=status", "--type=json", "-p", patch)
	return err
}

// CPUMillis is what the pods of the manifests request in all: each
// workload's podCPU times its replicas.
func (m *Manifests) CPUMillis() int64 {
	var total int64
	for _, w := range m.Workloads {
		total += w.podCPU() * int64(w.Replicas)
	}
	return total
}

// podCPU is what one pod of the workload requests, as the scheduler
// counts: the larger of its containers' sum and its largest init
// container. A container with a limit and no request requests its limit.
func (w Workload) podCPU() int64 {
	var app, init int64
	for _, c := range w.Pod.Spec.Containers {
		app += cpuRequest(c)
	}
	for _, c := range w.Pod.Spec.InitContainers {
		init = max(init, cpuRequest(c))
	}
	return max(app, init)
}

func cpuRequest(c corev1.Container) int64 {
	for _, l := range []corev1.ResourceList{c.Resources.Requests, c.Resources.Limits} {
		if q, ok := l[corev1.ResourceCPU]; ok {
			return q.MilliValue()
		}
	}
	return 0
}

// Exclusive names what the manifests need of the cluster alone: each
// fixed NodePort and host port, which no other example (or the other
// site's run of this one) may hold at the same time.
func (m *Manifests) Exclusive() []string {
	set := map[string]bool{}
	for _, w := range m.Workloads {
		for _, c := range w.Pod.Spec.Containers {
			for _, p := range c.Ports {
				if p.HostPort != 0 {
					set[fmt.Sprintf("hostport:%d/%s", p.HostPort, p.Protocol)] = true
				}
			}
		}
	}
	for _, sv := range m.Services {
		for _, p := range sv.Spec.Ports {
			if p.NodePort != 0 {
				set[fmt.Sprintf("nodeport:%d", p.NodePort)] = true
			}
		}
	}
	out := slices.Collect(maps.Keys(set))
	slices.Sort(out) // locks are taken in this order: no deadlock
	return out
}
