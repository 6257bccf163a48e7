// Package rpmdb reads RPM package databases in all three on-disk formats,
// in pure Go and without running rpm:
//
//   - Berkeley DB hash "Packages" (RHEL and CentOS up to 8, Amazon Linux 2,
//     older SUSE and Fedora),
//   - the ndb "Packages.db" (SUSE since SLE 15 SP3 and openSUSE),
//   - sqlite "rpmdb.sqlite" (Fedora 33 and later, RHEL 9, CBL-Mariner and
//     Azure Linux), through modernc.org/sqlite, opened read-only and
//     immutable so nothing is ever written next to the file.
//
// [Open] detects the format from the file's magic bytes, and
// [DB.Packages] decodes every installed package's header blob into a
// [Package]: name, epoch, version, release, architecture, source RPM,
// licence, vendor, size, modularity label and the list of files it owns.
// [ParseHeader] decodes one header blob on its own.
//
// The reader is built for untrusted input, such as a layer of a container
// image. Every size, count and offset is checked against the data it points
// into before it is used; each header blob and the database as a whole have
// a byte budget, and the number of records, the files of one package and the
// total bytes of file paths are bounded (see the With… options). Overflow
// page chains in Berkeley DB files are checked for loops, and ndb slots for
// blocks outside the file or overlapping each other. No goroutine is
// started, and a panic inside the decoder is turned into an error.
//
// A record that cannot be decoded is skipped and reported: [DB.Packages]
// returns the packages it could read together with an error that names
// every bad record (its page, item, slot, row or offset). A parse failure
// never looks like a clean, smaller result. Errors match [ErrMalformed],
// [ErrLimit] or [ErrUnknownFormat] with errors.Is, and their messages start
// with "rpmdb: ".
//
// The format knowledge comes from rpm (lib/header.c, lib/backend/ndb) and
// from github.com/knqyf263/go-rpmdb (MIT licence, Copyright (c) 2019 Teppei
// Fukuda), which this package adapts; see the notices in header.go and
// bdb.go.
package rpmdb
