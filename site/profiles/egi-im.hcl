# egi-im: EGI Cloud Compute clusters deployed by the Infrastructure Manager
# (IM) or EC3, i.e. the grycap.kubernetes Ansible role driven by IM's TOSCA
# template kubernetes.yaml (Kubernetes 1.35 by default).
#
# Where the facts come from (see the project's notes on EGI clusters,
# shared/notes/kubernetes.md section 6, and the grycap/ansible-role-kubernetes
# and grycap/tosca sources they summarise):
# - IngressClass: the controller is the cluster's default class, Traefik since
#   2026-04-01 (TOSCA input kube_ingress_type), ingress-nginx (class "nginx")
#   before. Leaving ingressClassName unset works on both.
# - cert-manager is an opt-in of the template (kube_cert_manager); when on, it
#   provides the ClusterIssuers "letsencrypt-prod" and "selfsigned".
# - StorageClass "managed-nfs-storage" (csi-driver-nfs on the front-end's NFS
#   export) is the default class and serves ReadWriteMany. There is no Cinder
#   CSI; Longhorn and local-path are opt-ins of the template.
# - No cloud controller: a LoadBalancer Service stays pending. The ingress
#   controller listens on NodePorts 80/443, and the NodePort range is widened
#   to 80-35000, so other published ports go out as NodePort, on the
#   published port itself (80 and 443 excepted: the controller holds them).
# - Hosts are <service>.<public-ip>.nip.io or EGI Dynamic DNS names
#   (*.fedcloud.eu): both depend on the deployment, so no domain here.

extends     = "generic"
description = "EGI clusters deployed by the Infrastructure Manager or EC3: managed-nfs-storage, cert-manager ClusterIssuer letsencrypt-prod, no LoadBalancer (non-HTTP ports as NodePort). Set a domain, such as <public-ip>.nip.io, in your own site file extending egi-im."

kubernetes {
  ingress_class        = "" # the cluster default: Traefik, or ingress-nginx before 2026-04
  tls_issuer           = "letsencrypt-prod"
  tls_issuer_kind      = "ClusterIssuer"
  storage_class        = "managed-nfs-storage"
  shared_storage_class = "managed-nfs-storage"
  load_balancer        = false
  published_ports      = "NodePort"
  node_port_range      = "80-35000"
  # Ports the node itself listens on inside that range, which a node port
  # would take over on every node (kube-proxy forwards it): the ingress
  # controller's 80 and 443, the front-end's NFS export (111, 2049), etcd
  # (2379, 2380), the API server (6443), the kubelet (10248, 10250),
  # kube-proxy (10249, 10256), the controller manager (10257) and the
  # scheduler (10259).
  reserved_node_ports  = [80, 111, 443, 2049, 2379, 2380, 6443, 10248, 10249, 10250, 10256, 10257, 10259]
}
