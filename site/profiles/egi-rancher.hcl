# egi-rancher: EGI's managed Kubernetes on Rancher (containers.egi.eu), run by
# CERIT-SC (the "kuba" cluster).
#
# Where the facts come from (see the project's notes on EGI clusters,
# shared/notes/kubernetes.md section 6, which summarise CERIT-SC's user
# documentation at docs.cerit.io):
# - An Ingress needs both ingressClassName "nginx-traefik" and the older
#   annotation kubernetes.io/ingress.class with the same value.
# - TLS comes from cert-manager's ClusterIssuer "letsencrypt-gateway";
#   "letsencrypt-prod" never issues there. There is no automatic HTTP to
#   HTTPS redirect.
# - Hosts are names under dyn.cloud.e-infra.cz chosen per application, so no
#   domain here.
# - StorageClass "nfs-csi" is the default and serves ReadWriteMany; the
#   others (csi-ceph-rbd-du, sshfs, webdav) are for special cases.
# - PodSecurity is enforced: pods must run as non-root.
# - No LoadBalancer for users; published ports other than HTTP stay inside
#   the cluster (ClusterIP).
# - Users get namespaces from Rancher's project UI and cannot create them
#   with kubectl, so the output holds no Namespace object.

extends     = "generic"
description = "EGI's managed Rancher (containers.egi.eu, CERIT-SC): IngressClass nginx-traefik, ClusterIssuer letsencrypt-gateway, nfs-csi storage, non-root pods, no LoadBalancer. Hosts are names under dyn.cloud.e-infra.cz."

kubernetes {
  ingress_class = "nginx-traefik"
  ingress_annotations = {
    "kubernetes.io/ingress.class" = "nginx-traefik"
  }
  tls_issuer           = "letsencrypt-gateway"
  tls_issuer_kind      = "ClusterIssuer"
  storage_class        = "nfs-csi"
  shared_storage_class = "nfs-csi"
  load_balancer        = false
  published_ports      = "ClusterIP"
  run_as_non_root      = true
  create_namespace     = false
}
