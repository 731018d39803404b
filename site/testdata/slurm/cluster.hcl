# A Slurm cluster of our own. It extends nothing, so it starts from the
# built-in generic's values.
description = "Our HPC cluster"

batch {
  partition   = "cpu,cpu-long"
  account     = "proj-123"
  walltime    = "2-00:00:00"
  image_cache = "/scratch/transship/images"
  extra = {
    constraint  = "haswell"
    "mail-type" = "FAIL"
  }
}
