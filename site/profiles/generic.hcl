# generic: any conformant Kubernetes cluster, or any Slurm cluster whose
# nodes can run Apptainer, Singularity or udocker.
#
# Kubernetes: every value here is what the Kubernetes API itself defaults
# to or guarantees, so nothing depends on a particular installation:
# - no ingressClassName and no storageClassName: the cluster's default
#   IngressClass and StorageClass apply (both are cluster-wide defaults
#   any conformant cluster may mark, see the Kubernetes docs on Ingress
#   and on StorageClass);
# - no cert-manager issuer and no domain: hosts and TLS come from the
#   compose file's x-transship, or are not set;
# - Services of type LoadBalancer are allowed (a cloud provider or MetalLB
#   may serve them): a published port that no Ingress serves gets one, as
#   with Docker's Compose Bridge; where nothing serves them, the external
#   address stays pending and the Service's node port still works. Node
#   ports are Kubernetes' default range;
# - NetworkPolicies are emitted (a CNI that does not enforce them ignores
#   them harmlessly).
# Batch: jobs ask Slurm only for what every cluster grants without an
# account or a partition of its own (see the batch block's comments).
# A user file that extends nothing starts from these same values.

description = "Any conformant Kubernetes cluster: the cluster's default IngressClass and StorageClass, no TLS issuer, no default domain. Batch jobs go to Slurm's default partition, one hour long, with whatever container runtime the node has."

kubernetes {
  ingress_class        = ""
  tls_issuer           = ""
  tls_issuer_kind      = "ClusterIssuer"
  domain               = ""
  storage_class        = ""
  shared_storage_class = ""
  volume_size          = "1Gi"
  load_balancer        = true
  published_ports      = "ClusterIP"
  node_port_range      = "30000-32767"
  reserved_node_ports  = []
  run_as_non_root      = false
  network_policies     = true
  create_namespace     = true
}

batch {
  # Slurm is what most HPC clusters run; htcondor and dirac need a site that
  # says so, and "none" writes bare launch scripts.
  scheduler = "slurm"
  # auto: the launcher takes whichever runtime the node has (apptainer,
  # singularity or udocker), so one script runs on any of them.
  runtime = "auto"
  # One hour: short enough for the default partition's limit on most
  # clusters, so jobs start early; a site file or --walltime asks for more.
  walltime = "01:00:00"
  # No partition, account or QOS: the cluster's defaults for the user.
  partition = ""
  account   = ""
  qos       = ""
  # Floors under what services ask for (compose's cpus and mem_limit are
  # often unset): one CPU, and 1 GiB, as a job also runs the container
  # runtime and some clusters' default memory per CPU is smaller.
  min_cpus   = 1
  min_memory = "1g"
  # Where images are cached and volumes live: the script's own defaults,
  # which the user overrides with TRANSSHIP_IMAGE_CACHE and TRANSSHIP_VOLUMES.
  image_cache = ""
  volume_base = ""
  # CVMFS's unpacked images are used only when the node mounts them, so
  # naming the standard root costs nothing elsewhere.
  cvmfs_unpacked = "/cvmfs/unpacked.cern.ch"
  # HTCondor and DIRAC: no requirements, any site, no tags.
  requirements = ""
  dirac_site   = ""
  dirac_tags   = []
  # DIRAC: named volumes come back in the output sandbox (volumes.tar.gz);
  # a storage element here (dirac_output_se = "CESGA-DISK") takes them instead.
  dirac_output_se = ""
  # No extra directives (extra = { constraint = "haswell" } adds
  # "#SBATCH --constraint=haswell"); extending profiles merge theirs in.
}

# cloud-init: secrets go into user-data (with a warning, since the metadata
# service serves them to anyone on the VM; a site or --secrets prompt keeps
# them out); no extra user, disk, swap or package: the image's own user
# gets the key given to OpenStack with --key-name.
cloud_init {
  secrets = "embed"
}
