// Package golden holds the expected outputs of transship and the harness
// that compares them.
//
//   - golden/<example>/<target>/ is what `transship convert --to <target>`
//     writes for examples/<example>/compose.yaml, file for file, byte for
//     byte; golden/<example>/<target>.stderr holds its diagnostics when
//     there are any.
//   - an example may list variants in examples/<example>/golden.args, one
//     "name: extra arguments" per line; their goldens are
//     golden/<example>/<target>@<name>/.
//   - golden/errors/*.txtar are failure cases: the input files, the
//     command line, and the expected stderr and exit status.
//
// `make golden` (TRANSSHIP_UPDATE=1 go test ./golden/) rewrites them; read
// the diff before committing it. A golden without its example, an example
// without its golden, and any stale file fail the tests.
package golden
