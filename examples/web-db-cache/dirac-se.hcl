# egi-dirac, with the named volumes uploaded to a storage element of the
# VO instead of the (small) output sandbox.
extends = "egi-dirac"

batch {
  dirac_output_se = "CESGA-DISK"
}
