// Package dotnet is the analyzer for .NET (NuGet) packages. It reads:
//
//   - *.deps.json, the dependency manifest the .NET SDK writes next to every
//     built application and library. Its "libraries" object names each
//     library as "Name/Version" with a type; libraries of type "package"
//     are NuGet packages and are reported. The other types ("project", the
//     application itself and the projects it references,
//     "referenceassembly", "runtimepack") are skipped.
//   - packages.lock.json, NuGet's lock file: for each target framework, the
//     packages with their resolved versions ("Direct", "Transitive",
//     "CentralTransitive"; "Project" references are skipped). A package
//     locked for several frameworks at the same version is reported once.
//
// Each package becomes pkg:nuget/Name@Version, with the name as the file
// spells it (NuGet IDs are case-insensitive; the PURL keeps the case).
//
// A library entry whose key is not "Name/Version", or of the wrong JSON
// type, is skipped and counted; the analyzer returns the good packages
// together with a [*scan.FileError] naming the file. A file that is not
// JSON, or larger than [WithMaxFileBytes], is an error for that file.
package dotnet
