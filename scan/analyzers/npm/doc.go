// Package npm is the analyzer for JavaScript packages managed by npm, yarn
// and pnpm.
//
// # Installed packages
//
// Every package.json directly inside a package directory of a node_modules
// tree is an installed package: node_modules/NAME/package.json and
// node_modules/@SCOPE/NAME/package.json, at any depth of nesting
// (a/node_modules/b/node_modules/c/package.json is c). package.json files in
// a package's own folders (test fixtures, "exports" stubs such as
// node_modules/x/esm/package.json) are not packages and are not read. The
// module directories Debian installs outside node_modules
// (usr/share/nodejs, usr/lib/nodejs, usr/lib/TRIPLET/nodejs) are package
// roots too. Name, version and the declared licence ("license" as a string
// or as {"type": …}, or the legacy "licenses" array) are reported; the PURL
// is pkg:npm/%40scope/name@version.
//
// # Lock files
//
// An application's lock file lists what would be installed: package-lock.json
// (lockfileVersion 1's nested "dependencies" tree, and version 2 and 3's
// "packages" map, whose root entry "" is the project itself and is skipped),
// yarn.lock (yarn 1 "classic" and yarn 2+ "berry" formats) and
// pnpm-lock.yaml (lockfile versions 5, 6 and 9). Lock files inside
// node_modules are a package's own and are ignored. Each name@version is
// reported once per lock file, with the lock file as its path.
//
// A lock file is read only when its project has no installed packages: the
// analyzer sees one layer at a time, so "no node_modules" means that this
// layer holds no installed package.json under the lock file's directory's
// node_modules. A lock file in one layer and its node_modules installed by a
// later layer are both reported, each in its own layer.
//
// Development dependencies are marked [scan.Package.Dev]: from the "dev"
// flags of package-lock.json and of pnpm lock files 5 and 6; from the
// importers' devDependencies of pnpm 9 lock files (a package is dev when no
// production dependency leads to it); and for yarn.lock, which records no
// such thing, from the package.json beside it in the same layer, walking the
// lock file's dependency graph from its dependencies and devDependencies.
// Where that cannot be known (no package.json in the layer, or a yarn 1
// workspace root), no package is marked dev.
//
// Malformed JSON or YAML, and installed package.json files without a name
// or version, come back as [*scan.FileError]s naming the file, next to the
// packages of the other files.
package npm
