# A VM site: secrets copied by hand, a user with a key, a data disk.
extends     = "egi-im"
description = "Our VMs"

cloud_init {
  secrets     = "prompt"
  user        = "alice"
  ssh_keys    = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample alice@lab"]
  sudo        = true
  data_volume = "/dev/vdb:/srv/data"
  swap        = "2G"
  packages    = ["jq", "htop"]
}
