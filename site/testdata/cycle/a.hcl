# a.hcl and b.hcl extend each other.
extends = "b.hcl"
