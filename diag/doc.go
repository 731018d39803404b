// Package diag is the one message type of transship: where a node was
// written (Pos, Src), the diagnostics every stage reports through (the
// loader in translate, site profiles, every target, the CLI), their text
// and JSON forms, and the "did you mean" distance they share. It depends
// on nothing else in transship, so every stage can use it, as esbuild's
// logger and CUE's errors are used by each of their stages.
package diag
