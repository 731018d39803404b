package translate

import (
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/transship/transship/diag"
)

// deploy: and the older service-level keys it supersedes: replicas,
// restart policy, resources and GPUs; and what the Graph leaves out.

// deploy reads deploy: and the older service-level keys it supersedes.
func (c *converter) deploy(out *Service, s types.ServiceConfig) {
	out.Restart = restart(s)
	if s.Scale != nil {
		n := *s.Scale
		out.Replicas = &n
	}
	r := &out.Resources
	r.CPULimit, r.MemLimit, r.MemReserve = cpus(s.CPUS), int64(s.MemLimit), int64(s.MemReservation)
	r.PidsLimit = s.PidsLimit
	out.LimitsSrc = c.keySrc("services."+s.Name, "deploy.resources.limits", "cpus", "mem_limit", "pids_limit")
	for i, g := range s.Gpus {
		r.GPUs = append(r.GPUs, gpu(g, c.itemSrc("services."+s.Name+".gpus", i)))
	}
	d := s.Deploy
	if d == nil {
		return
	}
	if d.Replicas != nil {
		n := *d.Replicas
		out.Replicas = &n
	}
	out.Global = d.Mode == "global"
	if u := d.UpdateConfig; u != nil {
		out.Update = &Update{Parallelism: u.Parallelism, Order: u.Order}
		if u.Delay != 0 {
			out.Update.Delay = duration(&u.Delay)
		}
	}
	out.Placement = sortedCopy(d.Placement.Constraints)
	c.resources(r, s.Name, d.Resources)
}

func (c *converter) resources(r *Resources, svc string, res types.Resources) {
	if l := res.Limits; l != nil {
		setNonZero(&r.CPULimit, cpus(float32(l.NanoCPUs)))
		setNonZero(&r.MemLimit, int64(l.MemoryBytes))
		setNonZero(&r.PidsLimit, l.Pids)
	}
	if rv := res.Reservations; rv != nil {
		setNonZero(&r.CPUReserve, cpus(float32(rv.NanoCPUs)))
		setNonZero(&r.MemReserve, int64(rv.MemoryBytes))
		base := "services." + svc + ".deploy.resources.reservations.devices"
		for i, dev := range rv.Devices {
			if isGPU(dev) {
				r.GPUs = append(r.GPUs, gpu(dev, c.itemSrc(base, i)))
			}
		}
		for _, g := range rv.GenericResources {
			if spec := g.DiscreteResourceSpec; spec != nil {
				r.GenericDevs = append(r.GenericDevs, KV{Key: spec.Kind, Value: strconv.FormatInt(spec.Value, 10)})
			}
		}
	}
}

// cpus widens compose-go's float32 CPU count without its binary noise:
// 0.1 stays 0.1, not 0.10000000149011612.
func cpus(f float32) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	return v
}

func setNonZero[T int64 | float64](dst *T, v T) {
	if v != 0 {
		*dst = v
	}
}

func isGPU(d types.DeviceRequest) bool {
	for _, c := range d.Capabilities {
		if c == "gpu" {
			return true
		}
	}
	return d.Driver == "nvidia" || d.Driver == "amd"
}

func gpu(d types.DeviceRequest, src diag.Src) GPU {
	n := int64(d.Count)
	if n == 0 && len(d.IDs) == 0 {
		n = -1 // compose: no count and no ids means all GPUs
	}
	return GPU{Driver: d.Driver, Count: n, DeviceIDs: d.IDs, Capabilities: sortedCopy(d.Capabilities), Src: src}
}

// restart merges restart: with deploy.restart_policy (which compose uses
// when restart: is absent).
func restart(s types.ServiceConfig) Restart {
	if s.Restart != "" {
		policy, max, _ := strings.Cut(s.Restart, ":")
		r := Restart{Policy: policy}
		r.MaxAttempts, _ = strconv.Atoi(max)
		return r
	}
	if s.Deploy != nil && s.Deploy.RestartPolicy != nil {
		rp := s.Deploy.RestartPolicy
		r := Restart{Policy: map[string]string{"none": "no", "on-failure": "on-failure", "any": "always", "": "always"}[rp.Condition]}
		if r.Policy == "" {
			r.Policy = rp.Condition
		}
		if rp.MaxAttempts != nil {
			r.MaxAttempts = int(*rp.MaxAttempts)
		}
		return r
	}
	return Restart{} // unset: compose's default, "no"
}

// unmodelled names the keys a service sets that the Graph has no field for.
func (c *converter) unmodelled(base string, s types.ServiceConfig) []diag.Src {
	set := map[string]bool{
		"logging": s.Logging != nil, "develop": s.Develop != nil, "blkio_config": s.BlkioConfig != nil,
		"cpu_shares": s.CPUShares != 0, "cpuset": s.CPUSet != "", "cpu_quota": s.CPUQuota != 0,
		"cpu_period": s.CPUPeriod != 0, "cpu_count": s.CPUCount != 0, "cpu_percent": s.CPUPercent != 0,
		"cpu_rt_period": s.CPURTPeriod != 0, "cpu_rt_runtime": s.CPURTRuntime != 0,
		"cgroup": s.Cgroup != "", "cgroup_parent": s.CgroupParent != "", "mac_address": s.MacAddress != "",
		"runtime": s.Runtime != "", "isolation": s.Isolation != "", "oom_kill_disable": s.OomKillDisable,
		"oom_score_adj": s.OomScoreAdj != 0, "storage_opt": len(s.StorageOpt) > 0,
		"volumes_from": len(s.VolumesFrom) > 0, "external_links": len(s.ExternalLinks) > 0,
		"uts": s.Uts != "", "device_cgroup_rules": len(s.DeviceCgroupRules) > 0,
		"memswap_limit": s.MemSwapLimit != 0, "mem_swappiness": s.MemSwappiness != 0,
		"post_start": len(s.PostStart) > 0, "pre_stop": len(s.PreStop) > 0, "credential_spec": s.CredentialSpec != nil,
		"use_api_socket": s.UseAPISocket, "provider": s.Provider != nil, "models": len(s.Models) > 0,
		"annotations": len(s.Annotations) > 0, "attach": s.Attach != nil,
	}
	if d := s.Deploy; d != nil {
		set["deploy.endpoint_mode"] = d.EndpointMode != ""
		set["deploy.rollback_config"] = d.RollbackConfig != nil
		set["deploy.placement.preferences"] = len(d.Placement.Preferences) > 0
		set["deploy.placement.max_replicas_per_node"] = d.Placement.MaxReplicas != 0
		set["deploy.labels"] = len(d.Labels) > len(ephemeralLabels(d.Labels))
	}
	for k := range s.Extensions {
		set[k] = k != "x-transship"
	}
	var out []diag.Src
	for _, k := range sortedKeys(set) {
		if set[k] {
			out = append(out, c.ix.src(base+"."+k))
		}
	}
	return out
}
