// Package dpkg is the analyzer for Debian packages: it reads the dpkg status
// database (var/lib/dpkg/status), the one-file-per-package databases that
// distroless images write to var/lib/dpkg/status.d/, and the declared
// licences of machine-readable copyright files
// (usr/share/doc/<package>/copyright, DEP-5).
//
// Only installed packages are reported (the third word of Status is
// "installed"; a status.d stanza without Status counts as installed, since
// distroless writes none). A malformed stanza is skipped and counted, and the
// analyzer returns the good packages together with a [*ParseError] wrapped in
// a [*scan.FileError] that names the file, so a damaged database never looks
// like a clean one. A file that is not a dpkg database at all (such as a
// vcpkg status file) gives an error matching [ErrNotDatabase] and no
// packages.
package dpkg
