# a.hcl and b.hcl extend each other.
extends = "a.hcl"
