# generic: any conformant Kubernetes cluster.
#
# Every value here is what the Kubernetes API itself defaults to or
# guarantees, so nothing depends on a particular installation:
# - no ingressClassName and no storageClassName: the cluster's default
#   IngressClass and StorageClass apply (both are cluster-wide defaults
#   any conformant cluster may mark, see the Kubernetes docs on Ingress
#   and on StorageClass);
# - no cert-manager issuer and no domain: hosts and TLS come from the
#   compose file's x-transship, or are not set;
# - Services of type LoadBalancer are allowed (a cloud provider or MetalLB
#   may serve them), other published ports stay ClusterIP;
# - NetworkPolicies are emitted (a CNI that does not enforce them ignores
#   them harmlessly).
# A user file that extends nothing starts from these same values.

description = "Any conformant Kubernetes cluster: the cluster's default IngressClass and StorageClass, no TLS issuer, no default domain."

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
  run_as_non_root      = false
  network_policies     = true
}
