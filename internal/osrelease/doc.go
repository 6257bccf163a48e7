// Package osrelease identifies the operating system of an image from its
// release files: os-release(5) (etc/os-release, usr/lib/os-release) and, as
// fallbacks for images without one, etc/debian_version, etc/alpine-release
// and the Red Hat family's etc/*-release lines.
//
// All parsers take untrusted bytes: input is bounded ([MaxSize]), malformed
// lines are ignored the way os-release(5) readers ignore them, and a file
// that identifies nothing is an error rather than an empty [Info].
//
// This package is the bottom layer: it imports nothing from the module.
package osrelease
