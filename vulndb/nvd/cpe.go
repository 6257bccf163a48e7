package nvd

import (
	"errors"
	"strings"
)

// maxCPELen bounds a CPE match string.
const maxCPELen = 1024

// cpeName is the part of a CPE 2.3 formatted string we key records by.
type cpeName struct {
	part, vendor, product, version string
}

// parseCPE splits a CPE 2.3 formatted string
// ("cpe:2.3:a:vendor:product:version:update:edition:language:sw_edition:target_sw:target_hw:other")
// at its unescaped colons. Vendor and product must be named (not "*" or
// "-"); they are returned as written, escapes included, so that a name
// never gains a colon.
func parseCPE(s string) (cpeName, error) {
	if len(s) > maxCPELen {
		return cpeName{}, errors.New("CPE too long")
	}
	if !strings.HasPrefix(s, "cpe:2.3:") {
		return cpeName{}, errors.New("not a CPE 2.3 formatted string")
	}
	var fields []string
	start, escaped := 0, false
	for i := 0; i < len(s); i++ {
		switch {
		case escaped:
			escaped = false
		case s[i] == '\\':
			escaped = true
		case s[i] == ':':
			fields = append(fields, s[start:i])
			start = i + 1
		}
	}
	if escaped {
		return cpeName{}, errors.New("CPE ends in an escape")
	}
	fields = append(fields, s[start:])
	if len(fields) != 13 {
		return cpeName{}, errors.New("CPE without 13 components")
	}
	c := cpeName{part: fields[2], vendor: fields[3], product: fields[4], version: fields[5]}
	switch c.part {
	case "a", "o", "h", "*":
	default:
		return cpeName{}, errors.New("CPE with an unknown part")
	}
	for _, f := range []string{c.vendor, c.product} {
		if f == "" || f == "*" || f == "-" {
			return cpeName{}, errors.New("CPE without vendor or product")
		}
	}
	for _, f := range fields[2:] {
		if f == "" {
			return cpeName{}, errors.New("CPE with an empty component")
		}
	}
	return c, nil
}
