# Top of a chain: project -> team -> rancher-lab -> egi-rancher -> generic.
extends = "team/team.hcl"

kubernetes {
  volume_size = "20Gi"
  ingress_annotations = {
    "nginx.ingress.kubernetes.io/proxy-body-size" = "1g"
  }
}
