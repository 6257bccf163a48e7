package semver

import "strings"

// ParseGo parses a Go module or Go toolchain version. Module versions are
// semantic versions with or without the leading 'v' ("v1.2.3",
// "1.2.3-pre", "v2.0.0+incompatible"; build metadata such as
// +incompatible does not affect the order). Toolchain versions as the go
// command and runtime.Version write them ("go1.21.3", "go1.21", "go1",
// "go1.21rc2", "go1.9beta1", also without the "go" prefix) are mapped the
// way the Go vulnerability database maps them: go1.21 is 1.21.0 and
// go1.21rc2 is 1.21.0-rc.2.
func ParseGo(s string) (Version, error) {
	if len(s) > MaxLen {
		return Version{}, ErrTooLong
	}
	rest, hadGo := strings.CutPrefix(s, "go")
	if v, ok := parseToolchain(rest); ok {
		v.raw = s
		return v, nil
	}
	if hadGo {
		// "go" is only a toolchain prefix.
		return Version{}, ErrNumber
	}
	return Parse(s)
}

// parseToolchain parses "1", "1.21", "1.21.3" and "1.21rc2" / "1.9beta1"
// (at most three numbers; a pre-release only after one or two numbers).
func parseToolchain(s string) (Version, bool) {
	var nums [3]string
	n := 0
	for {
		j := 0
		for j < len(s) && '0' <= s[j] && s[j] <= '9' {
			j++
		}
		if j == 0 || n == 3 {
			return Version{}, false
		}
		nums[n] = strings.TrimLeft(s[:j], "0")
		n++
		s = s[j:]
		if s == "" || s[0] != '.' {
			break
		}
		s = s[1:]
	}
	v := Version{Major: nums[0], Minor: nums[1], Patch: nums[2]}
	if s == "" {
		return v, true
	}
	if n == 3 {
		return Version{}, false
	}
	for _, kind := range [...]string{"rc", "beta"} {
		num, ok := strings.CutPrefix(s, kind)
		if ok && isDigits(num) {
			v.Prerelease = kind + "." + num
			return v, true
		}
	}
	return Version{}, false
}
