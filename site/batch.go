package site

import (
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/transship/transship/internal/lazy"
)

// Batch holds what the batch target takes from a site: how it wraps the
// Apptainer/udocker launch scripts it writes for a scheduler.
//
// Extra's keys are scheduler option names, written as they stand:
// {"constraint" = "haswell"} becomes "#SBATCH --constraint=haswell", an
// HTCondor submit command "constraint = haswell", or a JDL attribute.
// Keys start with a letter, then letters, digits, '_', '+', '.' or '-'
// (an HTCondor custom attribute is written "MY.Name": "+Name" does not
// match); values are one line. The map merges key by key with the
// extended profile's.
type Batch struct {
	Scheduler     string            // "slurm" (default), "htcondor", "dirac" or "none"
	Runtime       string            // "auto" (default), "apptainer", "singularity", "udocker"
	Walltime      string            // job time limit, Slurm syntax: D-HH:MM:SS, HH:MM:SS, MM:SS or minutes; default "01:00:00" (ParseWalltime reads it)
	Partition     string            // Slurm partition, or a comma-separated list; "" = the cluster default
	Account       string            // Slurm account, HTCondor accounting_group; "" = none
	QOS           string            // Slurm --qos; "" = none
	MinCPUs       float64           // at least this many CPUs per job when services ask for less; default 1; > 0
	MinMemory     string            // at least this much memory per job, compose byte syntax such as "2g" or "512m"; default "1g" (ParseBytes reads it)
	ImageCache    string            // default for TRANSSHIP_IMAGE_CACHE in the script; "" = the script's own default
	VolumeBase    string            // default for TRANSSHIP_VOLUMES in the script; "" = the script's own default
	CVMFSUnpacked string            // root of CVMFS unpacked images, default "/cvmfs/unpacked.cern.ch"; "" disables
	Requirements  string            // HTCondor requirements expression; "" = none
	DiracSite     string            // DIRAC JDL Site, such as "EGI.CESGA.es"; "" = any
	DiracTags     []string          // DIRAC JDL Tags (e.g. "GPU"); sorted, unique, nil for none
	DiracOutputSE string            // DIRAC storage element the named volumes' tarball goes to (JDL OutputSE, OutputData); "" = the output sandbox
	Extra         map[string]string // extra scheduler directives, verbatim: key = option name, e.g. {"constraint" = "haswell"} (see above)
}

// batchDefaults are where a profile that extends nothing starts; they
// equal the built-in generic's batch block (a test checks).
func batchDefaults() Batch {
	return Batch{Scheduler: "slurm", Runtime: "auto", Walltime: "01:00:00", MinCPUs: 1, MinMemory: "1g",
		CVMFSUnpacked: "/cvmfs/unpacked.cern.ch"}
}

var batchSchema = &hcl.BodySchema{Attributes: attrSchemas(batchFields(&Batch{}))}

// batchFields maps each attribute of the batch block to the field it sets.
func batchFields(b *Batch) map[string]any {
	return map[string]any{
		"scheduler":       &b.Scheduler,
		"runtime":         &b.Runtime,
		"walltime":        &b.Walltime,
		"partition":       &b.Partition,
		"account":         &b.Account,
		"qos":             &b.QOS,
		"min_cpus":        &b.MinCPUs,
		"min_memory":      &b.MinMemory,
		"image_cache":     &b.ImageCache,
		"volume_base":     &b.VolumeBase,
		"cvmfs_unpacked":  &b.CVMFSUnpacked,
		"requirements":    &b.Requirements,
		"dirac_site":      &b.DiracSite,
		"dirac_tags":      &b.DiracTags,
		"dirac_output_se": &b.DiracOutputSE,
		"extra":           &b.Extra,
	}
}

func (l *loader) decodeBatch(b *Batch, blk *hcl.Block, data []byte) {
	content, diags := blk.Body.Content(batchSchema)
	l.addHCL(codeStructure, "batch", data, diags)
	targets := batchFields(b)
	for _, name := range slices.Sorted(maps.Keys(content.Attributes)) {
		l.set(targets[name], "batch."+name, content.Attributes[name])
	}
}

// The patterns below match schema/site.schema.json.
var (
	walltimeRE  = lazy.Regexp(`^(?:([0-9]+)-([01]?[0-9]|2[0-3]):([0-5]?[0-9]):([0-5]?[0-9])|([0-9]+):([0-5]?[0-9]):([0-5]?[0-9])|([0-9]+):([0-5]?[0-9])|([0-9]+))$`)
	bytesRE     = lazy.Regexp(`(?i)^([0-9]+(?:\.[0-9]+)?)(b|kb?|mb?|gb?)?$`)
	schedNameRE = lazy.Regexp(`^[A-Za-z0-9_.+-]+$`)
	partitionRE = lazy.Regexp(`^[A-Za-z0-9_.+-]+(,[A-Za-z0-9_.+-]+)*$`)
	diracSiteRE = lazy.Regexp(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`)
	diracTagRE  = lazy.Regexp(`^[A-Za-z0-9][A-Za-z0-9_.+-]*$`)
	extraKeyRE  = lazy.Regexp(`^[A-Za-z][A-Za-z0-9_+.-]*$`)
)

// ParseWalltime reads a Slurm time limit in the forms a site's walltime
// takes: "D-HH:MM:SS", "HH:MM:SS", "MM:SS" or a whole number of minutes.
// Hours after a day count are below 24, minutes after hours and seconds
// below 60; the leading field is unbounded ("48:00:00", "90:00").
func ParseWalltime(s string) (time.Duration, error) {
	m := walltimeRE().FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not a Slurm time limit: D-HH:MM:SS, HH:MM:SS, MM:SS or a number of minutes", s)
	}
	var d, h, mins, sec string // "" counts as 0
	switch {
	case m[1] != "":
		d, h, mins, sec = m[1], m[2], m[3], m[4]
	case m[5] != "":
		h, mins, sec = m[5], m[6], m[7]
	case m[8] != "":
		mins, sec = m[8], m[9]
	default:
		mins = m[10]
	}
	const maxSeconds = math.MaxInt64 / int64(time.Second)
	total := int64(0)
	for _, f := range []struct {
		digits string
		unit   int64
	}{{d, 86400}, {h, 3600}, {mins, 60}, {sec, 1}} {
		if f.digits == "" {
			continue
		}
		n, err := strconv.ParseInt(f.digits, 10, 64)
		if err != nil || n > (maxSeconds-total)/f.unit {
			return 0, fmt.Errorf("%q is too long a time limit", s)
		}
		total += n * f.unit
	}
	return time.Duration(total) * time.Second, nil
}

// ParseBytes reads compose's byte syntax (mem_limit, shm_size): an
// integer or decimal number with an optional unit b, k, kb, m, mb, g or
// gb, in any case, in powers of 1024. Fractions of a byte are dropped.
func ParseBytes(s string) (int64, error) {
	m := bytesRE().FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not a size such as \"2g\" or \"512m\": a number with an optional unit b, k, kb, m, mb, g or gb", s)
	}
	mult := int64(1)
	if m[2] != "" {
		mult = map[byte]int64{'b': 1, 'k': 1 << 10, 'm': 1 << 20, 'g': 1 << 30}[strings.ToLower(m[2])[0]]
	}
	n, _ := new(big.Rat).SetString(m[1]) // the pattern admits only decimals
	n.Mul(n, new(big.Rat).SetInt64(mult))
	i := new(big.Int).Quo(n.Num(), n.Denom())
	if !i.IsInt64() {
		return 0, fmt.Errorf("%q is too large a size", s)
	}
	return i.Int64(), nil
}

// walltime checks a job time limit: a limit of zero means "none" to
// Slurm but nothing to HTCondor or DIRAC, so it is refused.
func walltime(s string) string {
	d, err := ParseWalltime(s)
	if err != nil {
		return err.Error()
	}
	if d == 0 {
		return fmt.Sprintf("%q is zero; a job needs a time limit", s)
	}
	return ""
}

func memory(s string) string {
	n, err := ParseBytes(s)
	if err != nil {
		return err.Error()
	}
	if n == 0 {
		return fmt.Sprintf("%q is zero; a job needs memory", s)
	}
	return ""
}

// schedulerName checks a Slurm account or QOS, or an HTCondor accounting
// group: written into a directive, it is one word. "" means none.
func schedulerName(s string) string {
	if s == "" || schedNameRE().MatchString(s) {
		return ""
	}
	return fmt.Sprintf("%q is not a scheduler name: letters, digits, '_', '.', '+' and '-'", s)
}

func partition(s string) string {
	if s == "" || partitionRE().MatchString(s) {
		return ""
	}
	return fmt.Sprintf("%q is not a Slurm partition or comma-separated list of partitions: letters, digits, '_', '.', '+' and '-'", s)
}

func diracSite(s string) string {
	if s == "" || diracSiteRE().MatchString(s) {
		return ""
	}
	return fmt.Sprintf("%q is not a DIRAC site name: three parts separated by dots, such as \"EGI.CESGA.es\"", s)
}

func diracSE(s string) string {
	if s == "" || diracTagRE().MatchString(s) {
		return ""
	}
	return fmt.Sprintf("%q is not a DIRAC storage element name: letters, digits, '_', '.', '+' and '-', such as \"CESGA-DISK\"", s)
}

func diracTag(s string) string {
	if diracTagRE().MatchString(s) {
		return ""
	}
	return fmt.Sprintf("%q is not a DIRAC tag: letters, digits, '_', '.', '+' and '-', starting with a letter or digit", s)
}

func extraKey(s string) string {
	if extraKeyRE().MatchString(s) {
		return ""
	}
	return fmt.Sprintf("%q is not a scheduler option name: letters, digits, '_', '+', '.' and '-', starting with a letter", s)
}

// oneLine checks a value written into a job script or submit file as it
// stands: a line break would start a new directive or command.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\n\r\x00") {
		return ""
	}
	return fmt.Sprintf("%q holds a line break or NUL; it is written into the job script on one line", s)
}

// optionalAbsPath is absPath where "" means off.
func optionalAbsPath(s string) string {
	if s == "" {
		return ""
	}
	if msg := absPath(s); msg != "" {
		return msg + "; \"\" turns it off"
	}
	return oneLine(s)
}

func positive(f float64) string {
	if f > 0 && !math.IsInf(f, 0) {
		return ""
	}
	return fmt.Sprintf("%v is not a number of CPUs above 0", f)
}
