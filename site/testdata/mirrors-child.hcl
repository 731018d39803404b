extends = "mirrors.hcl"

registry_mirrors = {
  "ghcr.io" = "mirror.example.org/ghcr"
}
