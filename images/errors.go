package images

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// retryable says whether another attempt may succeed: network errors and
// the attempt's own timeout, 5xx and 429. Never 401, 403 or 404 (asking
// again gives the same answer, and failed logins can lock accounts), and
// never once the caller's ctx is over.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var te *transport.Error
	if errors.As(err, &te) {
		switch te.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
			return false
		}
		return te.StatusCode >= 500 || te.Temporary()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var cert *tls.CertificateVerificationError
	if errors.As(err, &cert) { // a bad certificate stays bad
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

// describe turns a lookup error into the one-line message of a Problem:
// what went wrong and, where the user can act, what to do. A lookup at a
// mirror says so, since the mirror is where the user must look.
func describe(ctx context.Context, err error, timeout time.Duration, attempts int, orig, lookup name.Reference) error {
	msg := reason(ctx, err, timeout)
	if attempts > 1 {
		msg += fmt.Sprintf(" (%d attempts)", attempts)
	}
	if lookup.String() != orig.String() {
		msg += " at mirror " + lookup.String()
	}
	return errors.New(msg)
}

func reason(ctx context.Context, err error, timeout time.Duration) string {
	var te *transport.Error
	var ue *url.Error
	switch {
	case ctx.Err() != nil: // the caller gave up: not the registry's fault
		return "canceled: " + ctx.Err().Error()
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout after " + timeout.String()
	case errors.As(err, &te):
		return statusReason(te)
	case errors.Is(err, remote.ErrSchema1):
		return "schema 1 manifest, which is not supported: push the image again with a current docker"
	case errors.As(err, &ue):
		host := ue.URL
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Host
		}
		return "cannot reach " + host + ": " + oneLine(ue.Err.Error())
	}
	return oneLine(err.Error())
}

func statusReason(te *transport.Error) string {
	code := te.StatusCode
	switch {
	case code == http.StatusUnauthorized:
		return "unauthorized: check docker login"
	case code == http.StatusForbidden:
		return "denied (403): check docker login and your access to the repository"
	case code == http.StatusNotFound && te.Request != nil && te.Request.URL.Path == "/v2/":
		// The API check answered 404: a web server, not a registry.
		return "not a registry (GET /v2/ answered 404)"
	case code == http.StatusNotFound && hasCode(te, transport.NameUnknownErrorCode):
		return "repository not found (404)"
	case code == http.StatusNotFound:
		return "manifest unknown (404)"
	case code == http.StatusTooManyRequests:
		return "rate limited by the registry (429)"
	case code >= 500:
		return fmt.Sprintf("registry error: %d %s", code, http.StatusText(code))
	case len(te.Errors) > 0:
		return fmt.Sprintf("registry answered %d: %s", code, oneLine(te.Errors[0].String()))
	}
	return fmt.Sprintf("registry answered %d %s", code, http.StatusText(code))
}

func hasCode(te *transport.Error, c transport.ErrorCode) bool {
	for _, d := range te.Errors {
		if d.Code == c {
			return true
		}
	}
	return false
}

// oneLine keeps a message to one line: registries put HTML pages and
// multi-line JSON in error bodies.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
