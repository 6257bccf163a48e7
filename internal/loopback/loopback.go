// Package loopback tells whether a registry address is this machine, where
// plain HTTP is allowed.
package loopback

import (
	"net"
	"strings"
)

// Is reports whether a registry host[:port] is this machine: localhost,
// 127.0.0.0/8 or ::1.
func Is(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
