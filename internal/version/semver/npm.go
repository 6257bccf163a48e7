package semver

import "strings"

// maxSafeInteger is JavaScript's Number.MAX_SAFE_INTEGER, node-semver's
// bound on major, minor and patch.
const maxSafeInteger = "9007199254740991"

// ParseNPM parses s the way node-semver's SemVer constructor does (the
// semver package npm itself uses), in strict mode or, with loose set, in
// its loose mode:
//
//   - surrounding white space is ignored, a leading 'v' is allowed;
//   - major, minor and patch are all required and at most 2^53-1;
//   - strict mode rejects leading zeros in numbers and in numeric
//     pre-release identifiers;
//   - loose mode also accepts any run of 'v', '=' and white space before
//     the version ("= v 1.2.3"), leading zeros, and a pre-release not
//     introduced by '-' ("1.2.3beta").
//
// The result compares like any other Version.
func ParseNPM(s string, loose bool) (Version, error) {
	if len(s) > MaxLen {
		return Version{}, ErrTooLong
	}
	raw := s
	s = strings.TrimSpace(s)
	if s == "" {
		return Version{}, ErrEmpty
	}
	if loose {
		s = strings.TrimLeft(s, "v= \t\n\v\f\r")
	} else if s[0] == 'v' {
		s = s[1:]
	}
	v := Version{raw: raw}
	rest, build, hasBuild := strings.Cut(s, "+")
	if hasBuild {
		if !validIdentifiers(build) {
			return Version{}, ErrIdentifier
		}
		v.Build = build
	}
	var nums [3]string
	for i := range nums {
		j := 0
		for j < len(rest) && '0' <= rest[j] && rest[j] <= '9' {
			j++
		}
		d := rest[:j]
		if d == "" || (!loose && len(d) > 1 && d[0] == '0') {
			return Version{}, ErrNumber
		}
		d = strings.TrimLeft(d, "0")
		if compareNumber(d, maxSafeInteger) > 0 {
			return Version{}, ErrTooBig
		}
		nums[i] = d
		rest = rest[j:]
		if i < 2 {
			if rest == "" || rest[0] != '.' {
				return Version{}, ErrNumber
			}
			rest = rest[1:]
		}
	}
	v.Major, v.Minor, v.Patch = nums[0], nums[1], nums[2]
	switch {
	case rest == "":
	case rest[0] == '-' && npmPrerelease(rest[1:], loose):
		v.Prerelease = rest[1:]
	case loose && npmPrerelease(rest, loose):
		// Loose mode's '-' is optional (and may itself start an identifier).
		v.Prerelease = rest
	default:
		return Version{}, ErrIdentifier
	}
	return v, nil
}

// npmPrerelease reports whether s is a valid node-semver pre-release: a
// dot-separated list of [0-9A-Za-z-] identifiers where, in strict mode, a
// numeric identifier has no leading zero.
func npmPrerelease(s string, loose bool) bool {
	if !validIdentifiers(s) {
		return false
	}
	if loose {
		return true
	}
	for s != "" {
		var id string
		id, s, _ = strings.Cut(s, ".")
		if len(id) > 1 && id[0] == '0' && isDigits(id) {
			return false
		}
	}
	return true
}
