# A site for VMs (transship convert --to cloud-init --site vm.hcl): secrets
# stay out of the user-data, an operator account with a key, a data disk
# for the named volumes, some swap.
extends     = "generic"
description = "Our OpenStack VMs"

cloud_init {
  secrets     = "prompt"
  user        = "operator"
  ssh_keys    = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOperatorExampleKey operator@example.org"]
  sudo        = true
  data_volume = "/dev/vdb:/srv/data"
  swap        = "2G"
  packages    = ["jq"]
}
