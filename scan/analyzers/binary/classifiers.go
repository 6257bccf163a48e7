package binary

import (
	"regexp"
	"strings"
)

// Classifier recognises one program by its file name and finds its
// version in its bytes.
type Classifier struct {
	// Name is the package name reported ("openssl").
	Name string
	// Namespace is the PURL namespace, if any.
	Namespace string
	// CPEs are the NVD vendor:product pairs, most current first.
	CPEs []CPEName
	// Files reports whether a file's base name is one the program is
	// installed as, and returns the evidence patterns to look for in it,
	// most preferred first. It is called for every file of every layer and
	// must be cheap.
	Files func(base string) ([]Pattern, bool)
}

// CPEName is a CPE vendor and product.
type CPEName struct{ Vendor, Product string }

// Pattern is one piece of evidence: a literal found by bytes.Index, and a
// regular expression with one capture group, the version, applied to the
// bytes from Before bytes before the literal to After bytes after its end.
// A match counts only if it covers the literal.
type Pattern struct {
	Literal       string
	Before, After int
	Re            *regexp.Regexp
	// Prefix, when set, must begin the version (python: "3.11.").
	Prefix string
	// Digit requires a digit right after the literal, a check that saves
	// running the expression on most occurrences of short literals.
	Digit bool
}

// maxContext bounds Before, After and the literal of every pattern: the
// overlap the sliding window keeps between reads. Larger values are cut
// to it; a longer literal makes the pattern ignored.
const maxContext = 256

// Version patterns.
const (
	semver3 = `(\d{1,4}\.\d{1,4}\.\d{1,5})`
)

// Classifiers returns the built-in classifiers, a new slice each time.
func Classifiers() []*Classifier {
	named := func(names ...string) func(string) bool {
		return func(base string) bool {
			for _, n := range names {
				if base == n {
					return true
				}
			}
			return false
		}
	}
	lib := func(prefixes ...string) func(string) bool {
		return func(base string) bool {
			for _, p := range prefixes {
				if strings.HasPrefix(base, p) && (len(base) == len(p) || base[len(p)] == '.') {
					return true
				}
			}
			return false
		}
	}
	either := func(fs ...func(string) bool) func(string) bool {
		return func(base string) bool {
			for _, f := range fs {
				if f(base) {
					return true
				}
			}
			return false
		}
	}
	static := func(match func(string) bool, ps ...Pattern) func(string) ([]Pattern, bool) {
		return func(base string) ([]Pattern, bool) {
			if !match(base) {
				return nil, false
			}
			return ps, true
		}
	}
	re := regexp.MustCompile
	return []*Classifier{
		{
			Name: "openssl", CPEs: []CPEName{{"openssl", "openssl"}},
			Files: static(either(named("openssl"), lib("libcrypto.so")),
				// OPENSSL_VERSION_TEXT: "OpenSSL 3.0.13 30 Jan 2024",
				// "OpenSSL 1.1.1w  11 Sep 2023". AWS-LC's "OpenSSL 1.1.1
				// (compatible; AWS-LC …)" and LibreSSL do not match.
				Pattern{Literal: "OpenSSL ", Digit: true, Before: 1, After: 40,
					Re: re(`\x00OpenSSL (\d{1,2}\.\d{1,2}\.\d{1,2}[a-z]{0,2}(?:-(?:alpha|beta)\d{1,2})?)(?: +\d{1,2} [A-Z][a-z]{2} \d{4}|\x00)`)},
			),
		},
		{
			Name: "busybox", CPEs: []CPEName{{"busybox", "busybox"}},
			Files: static(named("busybox"),
				// "BusyBox v1.36.1 (2023-11-07 18:53:09 UTC) multi-call binary."
				Pattern{Literal: "BusyBox v", Digit: true, After: 16, Re: re(`^BusyBox v` + semver3)},
			),
		},
		{
			Name: "node", CPEs: []CPEName{{"nodejs", "node.js"}},
			Files: static(named("node", "nodejs"),
				// process.release URLs and user agents: "node.js/v20.11.0".
				Pattern{Literal: "node.js/v", Digit: true, After: 16, Re: re(`^node\.js/v` + semver3)},
				// Node.js 0.x to 6.x: "\x00node v0.10.48\x00", "\x00v4.9.1\x00".
				Pattern{Literal: "\x00node v", Digit: true, After: 16, Re: re(`^\x00node v((?:0|4|5|6)\.\d{1,3}\.\d{1,3})\x00`)},
				Pattern{Literal: "\x00v", Digit: true, After: 16, Re: re(`^\x00v((?:0|4|5|6)\.\d{1,3}\.\d{1,3})\x00`)},
			),
		},
		{
			Name: "python", CPEs: []CPEName{{"python", "python"}},
			Files: pythonFiles,
		},
		{
			Name: "nginx", CPEs: []CPEName{{"f5", "nginx"}, {"nginx", "nginx"}},
			Files: static(named("nginx"),
				// "nginx version: nginx/1.25.3", "nginx version: openresty/1.21.4.1"
				Pattern{Literal: "nginx version: ", After: 48, Re: re(`^nginx version: [^/\x00\s]{1,32}/` + semver3)},
				Pattern{Literal: "\x00nginx/", Digit: true, After: 16, Re: re(`^\x00nginx/` + semver3 + `\x00`)},
			),
		},
		{
			Name: "redis", CPEs: []CPEName{{"redis", "redis"}, {"redislabs", "redis"}},
			Files: static(named("redis-server"),
				// The raw build ID is the version, the build host and a
				// time stamp run together: "7.2.4buildkitsandbox-1702957741000000000"
				// in Docker builds, "4.0.11841ce7054bd9-1542359302000000000"
				// (a container ID as the host) elsewhere.
				Pattern{Literal: "buildkitsandbox-", Before: 24, After: 20, Re: re(`(?:^|[^\d.])` + semver3 + `buildkitsandbox-\d{9,}`)},
				Pattern{Literal: "-1", Before: 32, After: 20, Re: re(`(?:^|[^\d.])` + semver3 + `[0-9a-f]{12}-1\d{9,}`)},
				// Redis 2: "Server started, Redis version 2.8.23"
				Pattern{Literal: "Redis version ", Digit: true, After: 16, Re: re(`^Redis version ` + semver3)},
			),
		},
		{
			Name: "curl", CPEs: []CPEName{{"haxx", "curl"}, {"haxx", "libcurl"}},
			Files: static(either(named("curl"), lib("libcurl.so", "libcurl-gnutls.so", "libcurl-nss.so")),
				// The user agent "curl/8.5.0"; libcurl's "libcurl/8.5.0".
				Pattern{Literal: "curl/", Digit: true, After: 16, Re: re(`^curl/` + semver3)},
			),
		},
		{
			Name: "bash", CPEs: []CPEName{{"gnu", "bash"}},
			Files: static(named("bash"),
				// "@(#)Bash version 5.2.21(1) release GNU"
				Pattern{Literal: "@(#)Bash version ", Digit: true, After: 32, Re: re(`^@\(#\)Bash version ` + semver3 + `\(\d+\) [a-z0-9]+`)},
			),
		},
		{
			Name: "postgresql", CPEs: []CPEName{{"postgresql", "postgresql"}},
			Files: static(named("postgres", "postmaster"),
				// "postgres (PostgreSQL) 16.1"
				Pattern{Literal: "(PostgreSQL) ", Digit: true, After: 24, Re: re(`^\(PostgreSQL\) (\d{1,2}(?:\.\d{1,2}){0,2}(?:alpha\d|beta\d|rc\d)?)`)},
				// "PostgreSQL 16.1 on x86_64-pc-linux-gnu, compiled by …"
				Pattern{Literal: "PostgreSQL ", Digit: true, Before: 1, After: 24, Re: re(`[\x00?]PostgreSQL (\d{1,2}(?:\.\d{1,2}){0,2}(?:alpha\d|beta\d|rc\d)?)(?: on |\x00)`)},
			),
		},
		{
			Name: "httpd", CPEs: []CPEName{{"apache", "http_server"}},
			Files: static(named("httpd", "apache2"),
				// AP_SERVER_BASEVERSION "Apache/2.4.58"
				Pattern{Literal: "Apache/", Digit: true, After: 16, Re: re(`^Apache/` + semver3)},
			),
		},
		{
			Name: "haproxy", CPEs: []CPEName{{"haproxy", "haproxy"}},
			Files: static(named("haproxy"),
				// "HAProxy version 2.8.5-1b3c4a5 2023/12/07"
				Pattern{Literal: "HAProxy version ", Digit: true, After: 24, Re: re(`^HAProxy version (\d{1,2}\.\d{1,2}(?:\.\d{1,3}|-dev\d{0,2}|-rc\d{0,2}))`)},
				// "version 2.7.3-1065b10, released 2023/02/14"
				Pattern{Literal: ", released 20", Before: 48, After: 0, Re: re(`version (\d{1,2}\.\d{1,2}(?:\.\d{1,3}|-dev\d{0,2}|-rc\d{0,2}))(?:-[a-z0-9]{7})?, released 20`)},
				// HAProxy 1.x: "HA-Proxy version 1.8.22 2019/10/25"
				Pattern{Literal: "HA-Proxy version ", Digit: true, After: 24, Re: re(`^HA-Proxy version (\d{1,2}\.\d{1,2}(?:\.\d{1,3}|-dev\d{0,2}))`)},
				// The version string stored near the banner's format:
				// "2.8.5-1b3c4a5\x00…HAProxy version %s"
				Pattern{Literal: "HAProxy version", Before: 160, After: 0, Re: re(`(?s)(?:^|[^\d.])(\d{1,2}\.\d{1,2}(?:\.\d{1,3}|-dev\d{0,2}))-[0-9a-f]{7}[^\d].{0,140}HAProxy version`)},
			),
		},
	}
}

// pythonRe is the PY_VERSION string, as a NUL-terminated C string.
var pythonVersion = regexp.MustCompile(`^\x00(\d{1,2}\.\d{1,2}\.\d{1,3}(?:(?:a|b|rc)\d{1,2})?\+?)\x00`)

// pythonFiles matches python3.11, python3.11d (a debug build),
// libpython3.11.so.1.0 and libpython3.11d.so: the name carries the minor
// version, and PY_VERSION ("3.11.7") is looked for with that prefix, as
// Syft does.
func pythonFiles(base string) ([]Pattern, bool) {
	var rest string
	switch {
	case strings.HasPrefix(base, "libpython"):
		rest = base[len("libpython"):]
		i := strings.Index(rest, ".so")
		if i < 0 || (i+3 < len(rest) && rest[i+3] != '.') {
			return nil, false
		}
		rest = rest[:i]
	case strings.HasPrefix(base, "python"):
		rest = base[len("python"):]
	default:
		return nil, false
	}
	// rest is "3.11" with an optional ABI flag letter ("3.11d", "3.13t").
	mm := strings.TrimRight(rest, "abcdefghijklmnopqrstuvwxyz")
	if len(rest)-len(mm) > 1 {
		return nil, false
	}
	major, minor, ok := strings.Cut(mm, ".")
	if !ok || !digits(major) || !digits(minor) || len(major) > 2 || len(minor) > 2 {
		return nil, false
	}
	prefix := major + "." + minor + "."
	return []Pattern{{Literal: "\x00" + prefix, Digit: true, After: 24, Re: pythonVersion, Prefix: prefix}}, true
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
