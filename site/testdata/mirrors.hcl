# A site whose registry mirrors add to the built-in's (none) and whose
# child (mirrors-child.hcl) overrides one key.
extends = "egi-im"

registry_mirrors = {
  "docker.io" = "harbor.example.org/dockerhub"
  "ghcr.io"   = "harbor.example.org/ghcr"
}
