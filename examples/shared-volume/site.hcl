# A site profile of our own: an EGI IM cluster whose NFS server also takes
# static volumes, so shared volumes are bound to exports we control.
extends     = "egi-im"
description = "EGI IM cluster with our NFS export for shared volumes"

kubernetes {
  domain = "203.0.113.7.nip.io"
  nfs {
    server = "10.0.0.5"
    path   = "/exports/k8s"
  }
}
