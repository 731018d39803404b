# Middle of a chain: paths are relative to this file, not to the caller.
extends = "../../rancher-lab.hcl"

kubernetes {
  domain        = "team.dyn.cloud.e-infra.cz"
  storage_class = "csi-ceph-rbd-du"
}
