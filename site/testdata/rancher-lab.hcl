# egi-rancher with one more annotation (merged with the built-in's) and a
# namespaced issuer.
extends     = "egi-rancher"
description = "Our project on containers.egi.eu"

kubernetes {
  ingress_annotations = {
    "nginx.ingress.kubernetes.io/proxy-body-size" = "64m"
  }
  tls_issuer      = "project-issuer"
  tls_issuer_kind = "Issuer"
}
