// Package rpm is the [scan.Analyzer] for RPM package databases: the
// Berkeley DB "Packages" of RHEL and CentOS up to 8, the ndb "Packages.db"
// of SUSE, and the sqlite "rpmdb.sqlite" of Fedora 33+, RHEL 9 and
// CBL-Mariner, under var/lib/rpm/ or usr/lib/sysimage/rpm/.
//
// Each database is spooled to the scanner's scratch directory (the formats
// need random access) and read there in pure Go, with every size and count
// bounded; rpm is never run and nothing is written next to the file.
//
// Versions are "[epoch:]version-release". The epoch is shown only when the
// header has one above 0: rpm compares an absent epoch as 0, so "0:" adds
// nothing, and Trivy reports versions the same way. The PURL carries the
// epoch as the "epoch" qualifier under the same rule, and "arch" when the
// package has one. Source is parsed from the source RPM's file name
// (name-version-release.src.rpm), with the binary package's epoch; when the
// header names no source RPM, or names one that cannot be split, Source is
// the binary package itself.
package rpm
