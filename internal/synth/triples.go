package synth

import (
	"fmt"
	"strings"
)

// Triples returns the compose file that ../shared/bench/gen-compose.py
// writes for n (the file issue 18's memory figures were taken on), byte
// for byte: services in web/db/cache triples, each web depending on the
// next db, one volume per db. It is a Go copy so that `make bench` and
// tests need neither Python nor files outside the project.
func Triples(n int) []byte {
	var b strings.Builder
	b.Grow(n * 200)
	b.WriteString("services:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  svc%d:\n", i)
		switch i % 3 {
		case 0:
			fmt.Fprintf(&b, "    image: nginx:1.27\n    ports: [\"%d:80\"]\n", 8000+i%1000)
			fmt.Fprintf(&b, "    environment:\n      UPSTREAM: svc%d:5432\n      MODE: production\n", i+1)
			if i+1 < n {
				fmt.Fprintf(&b, "    depends_on:\n      svc%d:\n        condition: service_healthy\n", i+1)
			} else {
				b.WriteString("\n") // the script prints an empty line here
			}
		case 1:
			b.WriteString("    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: example\n")
			fmt.Fprintf(&b, "    volumes: [\"data%d:/var/lib/postgresql/data\"]\n", i)
			b.WriteString("    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready -U postgres\"]\n      interval: 10s\n")
		default:
			b.WriteString("    image: redis:7\n    command: redis-server --appendonly yes\n")
			b.WriteString("    deploy:\n      resources:\n        limits: {cpus: '0.5', memory: 256M}\n")
		}
	}
	b.WriteString("volumes:\n")
	for i := 0; i < n; i++ {
		if i%3 == 1 {
			fmt.Fprintf(&b, "  data%d: {}\n", i)
		}
	}
	return []byte(b.String())
}
