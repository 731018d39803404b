package kubeapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Workers is how many requests DryRunAll keeps in flight.
const Workers = 4

// StatusError is a request the API server refused: its HTTP status and the
// Status object it answered with.
type StatusError struct {
	Kind, Namespace, Name string // the object sent, as far as known

	Code    int    // HTTP status, e.g. 400, 404, 422
	Reason  string // Status.reason, e.g. "BadRequest", "Invalid", "NotFound"
	Message string // Status.message; strict validation lists every problem here
	Causes  []StatusCause
}

// StatusCause is one entry of a Status's details.causes.
type StatusCause struct {
	Type    string `json:"reason"` // e.g. "FieldValueInvalid", "FieldValueDuplicate"
	Message string `json:"message"`
	Field   string `json:"field"`
}

func (e *StatusError) Error() string {
	obj := e.Kind
	if e.Name != "" {
		obj += " " + e.Name
	}
	if e.Namespace != "" {
		obj += " in namespace " + e.Namespace
	}
	reason := ""
	if e.Reason != "" {
		reason = " " + e.Reason
	}
	return fmt.Sprintf("%s: HTTP %d%s: %s", obj, e.Code, reason, e.Message)
}

// Result is what the server answered to a successful dry run.
type Result struct {
	// Object is the object as it would have been stored (JSON), with the
	// server's defaults filled in.
	Object []byte
	// Warnings are the server's Warning headers (e.g. deprecated APIs,
	// duplicate ports), without their "299 - " prefix.
	Warnings []string
}

// DryRun validates one object (YAML or JSON) by creating it with
// ?dryRun=All&fieldValidation=Strict: nothing is stored. The bytes are sent
// as they are, so duplicate keys and YAML 1.1 booleans in string fields are
// the server's to report. A namespaced object goes to its
// metadata.namespace, else to namespace, else to "default"; the namespace
// must exist (see EnsureNamespace). A refusal is a *StatusError.
func (s *Server) DryRun(namespace string, doc []byte) error {
	_, err := s.DryRunResult(namespace, doc)
	return err
}

// DryRunResult is DryRun, also returning the defaulted object and warnings.
func (s *Server) DryRunResult(namespace string, doc []byte) (Result, error) {
	h, err := readHeader(doc)
	if err != nil {
		return Result{}, fmt.Errorf("kubeapi: %w", err)
	}
	name := h.Name
	if name == "" && h.GenerateName != "" {
		name = h.GenerateName + "*"
	}
	res, err := s.resource(h.APIVersion, h.Kind)
	if err != nil {
		return Result{}, fmt.Errorf("%s %s: %w", h.Kind, name, err)
	}
	ns := ""
	if res.Namespaced {
		ns = h.Namespace
		if ns == "" {
			ns = namespace
		}
		if ns == "" {
			ns = "default"
		}
	}
	u := s.URL + collectionPath(h.APIVersion, ns, res.Name) + "?dryRun=All&fieldValidation=Strict"
	ctype := "application/yaml"
	if h.JSON {
		ctype = "application/json"
	}
	body, hdr, code, err := s.do(http.MethodPost, u, ctype, doc)
	if err != nil {
		return Result{}, fmt.Errorf("%s %s: %w", h.Kind, name, err)
	}
	if code/100 != 2 {
		e := statusError(code, body)
		e.Kind, e.Namespace, e.Name = h.Kind, ns, name
		return Result{}, e
	}
	r := Result{Object: body}
	for _, w := range hdr.Values("Warning") {
		r.Warnings = append(r.Warnings, parseWarning(w))
	}
	return r, nil
}

// DryRunAll runs DryRun on each document with Workers requests in flight;
// errs[i] is document i's error (nil when accepted).
func (s *Server) DryRunAll(namespace string, docs [][]byte) (errs []error) {
	errs = make([]error, len(docs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(Workers, len(docs)) {
		wg.Go(func() {
			for i := range next {
				errs[i] = s.DryRun(namespace, docs[i])
			}
		})
	}
	for i := range docs {
		next <- i
	}
	close(next)
	wg.Wait()
	return errs
}

// EnsureNamespace creates the Namespace for real (a dry-run Namespace
// creates nothing, so dry runs in it would fail); one that exists is fine.
func (s *Server) EnsureNamespace(name string) error {
	doc, _ := json.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "Namespace",
		"metadata": map[string]string{"name": name},
	})
	body, _, code, err := s.do(http.MethodPost, s.URL+"/api/v1/namespaces", "application/json", doc)
	if err != nil {
		return fmt.Errorf("creating namespace %s: %w", name, err)
	}
	if code/100 == 2 || code == http.StatusConflict {
		return nil
	}
	e := statusError(code, body)
	e.Kind, e.Name = "Namespace", name
	return e
}

// do sends one request with the bearer token and reads the whole answer.
func (s *Server) do(method, u, ctype string, body []byte) ([]byte, http.Header, int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return nil, nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+s.Token)
	req.Header.Set("Accept", "application/json")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, nil, 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, 0, err
	}
	return data, resp.Header, resp.StatusCode, nil
}

// statusError decodes a metav1.Status answer, or keeps the body as the
// message when it is not one.
func statusError(code int, body []byte) *StatusError {
	var st struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
		Reason  string `json:"reason"`
		Details struct {
			Causes []StatusCause `json:"causes"`
		} `json:"details"`
	}
	e := &StatusError{Code: code}
	if json.Unmarshal(body, &st) == nil && st.Kind == "Status" {
		e.Message, e.Reason, e.Causes = st.Message, st.Reason, st.Details.Causes
	} else {
		msg := strings.TrimSpace(string(body))
		if len(msg) > 2000 {
			msg = msg[:2000] + "..."
		}
		e.Message = msg
	}
	if e.Message == "" {
		e.Message = http.StatusText(code)
	}
	return e
}

// parseWarning strips the `299 - "..."` envelope of a Warning header.
func parseWarning(w string) string {
	rest, ok := strings.CutPrefix(w, "299 - ")
	if !ok {
		return w
	}
	if s, err := strconv.Unquote(rest); err == nil {
		return s
	}
	return rest
}

// collectionPath is the path of a resource collection: /api/v1/... for the
// core group, /apis/GROUP/VERSION/... otherwise, with /namespaces/NS for a
// namespaced resource.
func collectionPath(apiVersion, namespace, resource string) string {
	p := gvPath(apiVersion)
	if namespace != "" {
		p += "/namespaces/" + url.PathEscape(namespace)
	}
	return p + "/" + resource
}

func gvPath(apiVersion string) string {
	if !strings.Contains(apiVersion, "/") {
		return "/api/" + apiVersion
	}
	return "/apis/" + apiVersion
}

// apiResource is one entry of a discovery APIResourceList.
type apiResource struct {
	Name       string `json:"name"` // plural, e.g. "deployments"; "pods/status" for subresources
	Namespaced bool   `json:"namespaced"`
	Kind       string `json:"kind"`
}

// groupVersion is the discovery of one apiVersion, fetched once.
type groupVersion struct {
	once  sync.Once
	kinds map[string]apiResource
	err   error
}

// resource finds the collection of apiVersion's kind by discovery
// (GET /api/v1 or /apis/GROUP/VERSION), cached per group-version.
func (s *Server) resource(apiVersion, kind string) (apiResource, error) {
	s.discMu.Lock()
	gv := s.disc[apiVersion]
	if gv == nil {
		gv = &groupVersion{}
		s.disc[apiVersion] = gv
	}
	s.discMu.Unlock()
	gv.once.Do(func() { gv.kinds, gv.err = s.discover(apiVersion) })
	if gv.err != nil {
		return apiResource{}, gv.err
	}
	r, ok := gv.kinds[kind]
	if !ok {
		return apiResource{}, fmt.Errorf("the server has no kind %s in %s", kind, apiVersion)
	}
	return r, nil
}

func (s *Server) discover(apiVersion string) (map[string]apiResource, error) {
	body, _, code, err := s.do(http.MethodGet, s.URL+gvPath(apiVersion), "", nil)
	if err != nil {
		return nil, fmt.Errorf("discovery of %s: %w", apiVersion, err)
	}
	if code == http.StatusNotFound {
		return nil, fmt.Errorf("the server has no API %s", apiVersion)
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("discovery of %s: %w", apiVersion, statusError(code, body))
	}
	var list struct {
		Resources []apiResource `json:"resources"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("discovery of %s: %w", apiVersion, err)
	}
	kinds := map[string]apiResource{}
	for _, r := range list.Resources {
		if strings.Contains(r.Name, "/") {
			continue // a subresource
		}
		kinds[r.Kind] = r
	}
	return kinds, nil
}
