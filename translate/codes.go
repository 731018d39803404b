package translate

// Stable diagnostic codes of translate. A code never changes meaning; new
// problems get new codes. Errors are TR0xx, warnings TR1xx.
const (
	CodeYAML           = "TR001" // the file is not valid YAML
	CodeUnknownKey     = "TR002" // a key compose does not define
	CodeType           = "TR003" // a value of the wrong type or shape
	CodeValue          = "TR004" // a value compose rejects (ports, durations, sizes...)
	CodeUndefined      = "TR005" // a reference to an undefined volume, network, secret or config
	CodeRequiredVar    = "TR006" // ${VAR:?message} with VAR unset
	CodeUnknownDep     = "TR007" // depends_on names a service that does not exist
	CodeCycle          = "TR008" // depends_on forms a cycle
	CodeUnknownProfile = "TR009" // --profile names a profile no service has
	CodeNoFile         = "TR010" // no compose file found, or one cannot be read
	CodeExtension      = "TR011" // x-transship does not match its schema
	CodeCompose        = "TR012" // any other error compose-go reports
	CodeProjectName    = "TR013" // the project name is not valid
	CodeEnvFile        = "TR014" // an env_file or --env-file cannot be read
	CodeBindLink       = "TR015" // a bind source in the project is a symlink loop, or links outside the project

	CodeObsoleteVersion = "TR101" // top-level `version` is ignored
	CodeUnsetVar        = "TR102" // a variable is unset and defaults to ""
	CodeKomposeLabel    = "TR103" // a kompose.* label that is none of the ones kompose 1.38 reads
	CodeComposeWarning  = "TR104" // any other warning compose-go prints
	CodeKomposeValue    = "TR106" // a kompose.* label with a value transship cannot use
)
