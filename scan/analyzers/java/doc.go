// Package java is the analyzer for Java archives: .jar, .war, .ear and the
// other zip-based formats that carry classes and their Maven metadata
// (.par, .sar, .nar, .kar, .lpkg, and Jenkins plugins, .jpi and .hpi).
//
// For each archive, the analyzer reports:
//
//   - one package per META-INF/maven/GROUP/ARTIFACT/pom.properties, so a
//     shaded jar gives its own package and one for each library shaded
//     into it; the licences come from the pom.xml beside it
//     (<licenses><license><name>), when there is one;
//   - when there is no usable pom.properties, one package from
//     META-INF/MANIFEST.MF (Jenkins' Short-Name/Plugin-Version/Group-Id,
//     Implementation-Title/Version, Bundle-SymbolicName/Bundle-Version,
//     Specification-Title/Version) and the file name ("name-1.2.3.jar");
//     a Maven-style file name ("artifact-version.jar") names the package
//     before the manifest's titles do, which are often prose ("Apache
//     Commons Lang");
//   - the packages of the archives nested inside it: WEB-INF/lib/*.jar of a
//     war, the wars and jars of an ear, BOOT-INF/lib/*.jar of a Spring Boot
//     fat jar, and any other entry with an archive extension.
//
// The PURL is pkg:maven/GROUP/ARTIFACT@VERSION and the package name the
// artifact id. The first path is the archive in the layer; a package of a
// nested archive has a second path, the nested archive's location written
// with "!/" separators: "app/app.ear!/web.war!/WEB-INF/lib/x.jar". One
// scanned archive reports each GROUP:ARTIFACT@VERSION once.
//
// The scanner streams a layer, and a zip archive is read from its end, so
// an archive of up to [WithMaxInMemoryBytes] is read into memory and a
// larger one is copied to the analyzer's temporary directory. Only the
// metadata entries and nested archives are decompressed; classes are never
// read. Nested archives stored uncompressed (as Spring Boot stores them)
// are read in place; compressed ones are decompressed into memory or a
// temporary file.
//
// Archives come from strangers, so every read is bounded: the nesting
// depth ([WithMaxDepth]), the size of one decompressed entry
// ([WithMaxEntryBytes]), the bytes decompressed for one archive and
// everything nested in it ([WithMaxTotalBytes], counted as they are read,
// besides the sizes the archive declares) and the number of entries of an
// archive and its nested ones ([WithMaxEntries], checked from the archive's
// end record before its directory is read). A limit hit is recorded as an
// error matching [scan.ErrTooLarge], wrapped in a [*scan.FileError] naming
// the archive, and the packages found before it are kept. Entry names are
// only ever compared as strings: nothing is written to a path an archive
// names.
package java
