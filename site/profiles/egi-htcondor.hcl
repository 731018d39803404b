# egi-htcondor: a site of the EGI infrastructure that runs HTCondor behind
# an HTCondor-CE; jobs are submitted to its schedd in the vanilla universe.
#
# Why these values:
# - The job runs the launch script itself (vanilla universe, not the
#   container universe), and the launcher finds the runtime (auto):
#   apptainer on the worker node or on CVMFS, else udocker.
# - No requirements: sites whose workers have apptainer advertise
#   HAS_SINGULARITY, and requirements = "HAS_SINGULARITY =?= True" would
#   restrict jobs to those; but it would also turn away workers where the
#   launcher still succeeds (apptainer from CVMFS, udocker), leaving jobs
#   idle on sites that do not advertise it. Set it in your own file when
#   your site needs it.
# - CVMFS's unpacked images are used when mounted (inherited from generic).
# - 24 hours fits the usual grid queues; 2g matches the usual 2 GB a core.
# Only the batch block differs from generic; kubernetes is generic's.

extends     = "generic"
description = "An EGI HTCondor-CE site: vanilla-universe jobs running the launcher, which finds apptainer on the worker or on CVMFS."

batch {
  scheduler    = "htcondor"
  runtime      = "auto"
  walltime     = "24:00:00"
  min_memory   = "2g"
  requirements = "" # "HAS_SINGULARITY =?= True" keeps jobs to workers with apptainer installed
}
