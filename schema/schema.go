// Package schema holds the JSON Schemas of what transship adds to compose
// (the x-transship extension) and of site profiles. They are
// embedded so `transship schema` prints exactly what the code validates
// against.
package schema

import _ "embed"

// XTransship is the JSON Schema of the x-transship extension. Its $defs
// "project", "service" and "volume" apply at the top level, in a service
// and in a top-level volume.
//
//go:embed x-transship.schema.json
var XTransship []byte

// XTransshipID is XTransship's $id, for compilers that need a URL.
const XTransshipID = "https://transship.dev/schema/x-transship.schema.json"

// Site is the JSON Schema of site profiles (--site). Profiles are HCL
// files; the schema describes the same attributes in HCL's JSON syntax
// (*.hcl.json), where a block is an object.
//
//go:embed site.schema.json
var Site []byte

// SiteID is Site's $id, for compilers that need a URL.
const SiteID = "https://transship.dev/schema/site.schema.json"
