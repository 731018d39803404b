# The cluster's GPU partition: partition overridden, extra merged key by
# key (constraint replaced, gres added), the rest inherited.
extends = "cluster.hcl"

batch {
  partition = "gpu"
  extra = {
    constraint = "a100"
    gres       = "gpu:1"
  }
}
