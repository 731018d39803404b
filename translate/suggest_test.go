package translate

import "testing"

func TestSuggestKey(t *testing.T) {
	cases := []struct{ parent, key, want string }{
		{"", "servics", "services"},
		{"", "volume", "volumes"},
		{"services.web", "enviroment", "environment"},
		{"services.web", "imagee", "image"},
		{"services.web", "zzz", ""},
		{"services.web.deploy", "replica", "replicas"},
		{"services.web.healthcheck", "intervall", "interval"},
		{"services.web.ports[0]", "publshed", "published"},
		{"services.web.volumes[2]", "sorce", "source"},
		{"volumes.data", "drivr", "driver"},
		{"nope.nope", "x", ""},
	}
	for _, c := range cases {
		if got := suggestKey(c.parent, c.key); got != c.want {
			t.Errorf("suggestKey(%q, %q) = %q, want %q", c.parent, c.key, got, c.want)
		}
	}
}
