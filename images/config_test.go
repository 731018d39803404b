package images

import (
	"reflect"
	"testing"
	"time"

	"github.com/transship/transship/translate"
)

// go-containerregistry's HealthConfig has no StartInterval; fillConfig
// reads it from the raw config, as docker 25+ writes it.
func TestFillConfigStartInterval(t *testing.T) {
	raw := `{"architecture":"arm64","os":"linux","variant":"v8","config":{
		"Healthcheck":{"Test":["CMD","true"],"Interval":30000000000,"StartInterval":2000000000,"Retries":3},
		"ExposedPorts":{"8080/tcp":{},"1000/udp":{}}}}`
	var info translate.ImageFacts
	if err := fillConfig(&info, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	want := translate.ImageFacts{
		Platform:     "linux/arm64/v8",
		ExposedPorts: []string{"1000/udp", "8080/tcp"},
		Healthcheck: &translate.ImageHealth{
			Test: []string{"CMD", "true"}, Interval: 30 * time.Second,
			StartInterval: 2 * time.Second, Retries: 3,
		},
	}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("got %+v\nwant %+v", info, want)
	}
	if err := fillConfig(&info, []byte("not json")); err == nil {
		t.Error("fillConfig accepted a broken config")
	}
}

func TestParsePlatform(t *testing.T) {
	for s, ok := range map[string]bool{
		"linux/amd64": true, "linux/arm/v7": true, "linux": false, "/amd64": false,
		"linux/": false, "linux/arm/v7/x": false, "": false,
	} {
		if _, err := parsePlatform(s); (err == nil) != ok {
			t.Errorf("parsePlatform(%q): err %v", s, err)
		}
	}
}
