# A lab's IM cluster: egi-im plus a domain, bigger volumes, an NFS server
# and an annotation of its own.
extends = "egi-im"

kubernetes {
  domain      = "203.0.113.7.nip.io"
  volume_size = "5Gi"
  ingress_annotations = {
    "nginx.ingress.kubernetes.io/proxy-body-size" = "64m"
  }
  nfs {
    server = "10.0.0.5"
    path   = "/exports/k8s"
  }
}
