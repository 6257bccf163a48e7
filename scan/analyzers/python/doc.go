// Package python is the analyzer for installed Python distributions: it
// reads the core metadata that pip, setuptools and the other installers
// leave next to a package, in any of its installed forms:
//
//   - NAME-VERSION.dist-info/METADATA (wheels, pip),
//   - NAME-VERSION.egg-info/PKG-INFO (setuptools, directory form),
//   - NAME-VERSION.egg-info (setuptools, file form, as Debian installs it),
//   - NAME-VERSION.egg/EGG-INFO/PKG-INFO (unpacked eggs).
//
// The metadata is RFC 822 style: "Key: value" header lines, continuation
// lines starting with a blank, and a body (the long description) after the
// first empty line. Only the header section is read, up to a bound
// ([WithMaxHeaderBytes]); the body is never read.
//
// From the headers the analyzer takes Name, Version and the licence:
// License-Expression when present (PEP 639); otherwise the licences named by
// "Classifier: License :: …" lines, mapped to SPDX identifiers for the
// classifiers that name exactly one licence (see [ClassifierLicense]);
// otherwise the first line of License, unless it is "UNKNOWN". The package
// name is kept as declared; the PURL carries the name normalised per PEP 503
// ([NormalizeName]): pkg:pypi/zope-interface@6.1.
//
// A metadata file without Name or Version, or one that cannot be read,
// comes back as a [*scan.FileError] naming it, next to the packages of the
// other files.
package python
