// Package nuget parses and compares NuGet package versions with the rules
// of NuGet.Versioning's NuGetVersion (the library nuget.exe, dotnet and
// nuget.org use): SemVer 2.0.0 extended to one to four numeric parts
// (1 = 1.0 = 1.0.0 = 1.0.0.0, leading zeros allowed), an optional '-'
// pre-release of dot-separated
// [0-9A-Za-z-] labels and optional '+' build metadata. Surrounding white
// space is ignored.
//
// Order (VersionComparer.Default): the four numbers, then a release after
// its pre-releases; labels compare one by one, numeric labels (as .NET's
// int.TryParse reads them) by value and before other labels, which compare
// case-insensitively; a longer label list sorts after its prefix. Build
// metadata is ignored, so 1.0.0+a = 1.0.0+b.
//
// Parse rejects what NuGetVersion.TryParse rejects, and also a sign or
// white space inside a number (which System.Version tolerates), with one
// exception: a numeric part may be of any size and compares by value, as
// OSV compares NuGet versions (osv-scalibr's semantic package), where
// System.Version stops at 2147483647. Input is bounded to [MaxLen] bytes;
// comparison is linear and allocation-free.
//
// The package imports nothing from the rest of the module.
package nuget
