// Package synth generates compose files of any size for benchmarks: n
// services shaped like the ones in the corpus (an image, environment in
// both syntaxes, a published port, a named and a bind volume, two
// networks, a healthcheck, limits, labels, and a dependency on the
// previous service). The output depends only on n.
package synth

import (
	"fmt"
	"strings"
)

// Volumes is how many named volumes the services share.
const Volumes = 20

// Compose returns a compose file of n services.
func Compose(n int) []byte {
	var b strings.Builder
	b.Grow(n * 600)
	b.WriteString("name: synth\nservices:\n")
	for i := 0; i < n; i++ {
		service(&b, i)
	}
	b.WriteString("volumes:\n")
	for v := 0; v < Volumes; v++ {
		fmt.Fprintf(&b, "  data%d: {}\n", v)
	}
	b.WriteString("networks:\n  front: {}\n  back:\n    internal: true\n")
	return []byte(b.String())
}

func service(b *strings.Builder, i int) {
	fmt.Fprintf(b, `  svc%[1]d:
    image: registry.example.org/team/app%[1]d:1.%[1]d
    environment:
      APP_ID: "%[1]d"
      DB_URL: postgres://db:5432/app%[1]d
    ports:
      - "%[2]d:8080"
    volumes:
      - data%[3]d:/data
      - ./conf/app%[1]d.conf:/etc/app.conf:ro
    networks: [front, back]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O-", "http://localhost:8080/health"]
      interval: 10s
    deploy:
      resources:
        limits: {cpus: "0.5", memory: 256M}
    labels:
      team: t%[4]d
`, i, 10000+i, i%Volumes, i%7)
	if i > 0 {
		fmt.Fprintf(b, "    depends_on: [svc%d]\n", i-1)
	}
}
