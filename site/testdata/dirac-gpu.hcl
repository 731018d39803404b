# egi-dirac for GPU jobs on one site: the tags are a set (sorted, repeats
# dropped); everything not set here is egi-dirac's.
extends = "egi-dirac"

batch {
  walltime   = "12:00:00"
  dirac_site = "EGI.CESGA.es"
  dirac_tags = ["MultiProcessor", "GPU", "MultiProcessor"]
  min_cpus   = 4
  dirac_output_se = "CESGA-DISK"
}
