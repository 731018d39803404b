# egi-dirac: the EGI Workload Manager, the DIRAC service at dirac.egi.eu,
# which sends jobs (a JDL with the launch script as its executable) to the
# grid sites of the VOs it serves.
#
# Why these values:
# - Grid worker nodes mount CVMFS, so images in the unpacked.cern.ch
#   wishlist run from /cvmfs/unpacked.cern.ch without a pull (inherited
#   from generic); other images are pulled into the job's image cache.
# - The runtime is found on the node (auto): apptainer from the node or
#   from CVMFS, else udocker, which needs nothing installed.
# - Grid queues commonly allow a day or more, and a job waits as long for a
#   one-hour slot as for a day-long one, so 24 hours avoids killing long
#   steps; lower it in your own file for quick jobs.
# - Grid slots usually come with about 2 GB per core, so 2g is the floor.
# - Any site and no tags: set dirac_site ("EGI.CESGA.es") or dirac_tags
#   (["GPU"]) in your own file extending egi-dirac.
# - Named volumes come back in the output sandbox, which is small; set
#   dirac_output_se to a storage element of your VO to upload them there.
# Only the batch block differs from generic; kubernetes is generic's.

extends     = "generic"
description = "EGI Workload Manager (DIRAC, dirac.egi.eu): grid jobs on EGI sites with CVMFS; images from /cvmfs/unpacked.cern.ch when wishlisted, else pulled."

batch {
  scheduler  = "dirac"
  runtime    = "auto"
  walltime   = "24:00:00"
  min_memory = "2g"
}
