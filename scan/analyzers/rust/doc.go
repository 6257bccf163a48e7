// Package rust is the analyzer for Rust crates: the dependency list that
// cargo-auditable embeds in executables, and Cargo.lock files.
//
// # Executables
//
// cargo auditable stores the crates a binary was built from in a section
// named .dep-v0 (ELF, PE; in the __DATA segment on Mach-O), as
// zlib-compressed JSON: {"packages":[{"name","version","source","kind",
// "dependencies","root"}]}. Every runtime package is reported as
// pkg:cargo/name@version, the root package (the binary's own crate) first.
// Build-time dependencies (kind "build": build scripts, proc macros) are
// not in the binary and are not reported; neither are the workspace's other
// local crates (source "local"), which are the project's own code and have
// no registry identity to match advisories against.
//
// The section is found while the file streams by, without spooling it:
//
//   - PE and Mach-O (thin or universal) list their sections in the headers
//     at the start of the file, so the section's bytes are captured when
//     the stream reaches them.
//   - ELF keeps its section header table at the end (e_shoff), after the
//     section data. While the file streams, the analyzer records every
//     position where a zlib stream starts (header bytes, then a trial
//     inflate) that inflates to a JSON object, and every position of the
//     string ".dep-v0\x00". When the stream reaches the section header
//     table, it reads it; a capture counts only if the table names a
//     .dep-v0 section (its name offset in .shstrtab is one of the recorded
//     positions) whose file offset is exactly where the capture started. A
//     zlib stream elsewhere in the file is never taken for audit data. (When
//     the header table comes before the data, as some linkers write it, the
//     names and the section are captured directly.)
//
// The alternatives were rejected: spooling every ELF binary of an image to
// disk (the scan's Go analyzer already reads every executable, and
// spooling would write each one again), or spooling only once ".dep-v0" is
// seen, which is too late (the name sits in .shstrtab, after the data).
//
// The compressed data is bounded ([MaxAuditDataBytes], compressed and
// decompressed); executables larger than [WithMaxBinaryBytes] are not read
// and are recorded as not analysed. A binary that names a .dep-v0 section
// whose content is not valid audit data is an error naming the binary;
// executables without the section give nothing.
//
// # Cargo.lock
//
// Every [[package]] of a Cargo.lock (format versions 1 to 4) with a
// source is reported: crates.io ("registry+https://github.com/rust-lang/crates.io-index"
// or "sparse+https://index.crates.io/") as pkg:cargo/name@version, other
// registries with a repository_url qualifier, git dependencies with a
// vcs_url qualifier ("git+https://…@commit"). Packages without a source
// are the workspace's own path crates and are skipped, as in executables.
// The file is parsed with github.com/BurntSushi/toml after a bounded check
// of its bracket nesting ([MaxTOMLNesting]) and of the parts of its dotted
// keys ([MaxTOMLLineDots]), which keeps a hostile file from driving the
// parser into deep recursion or quadratic time.
package rust
