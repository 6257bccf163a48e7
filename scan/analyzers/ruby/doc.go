// Package ruby is the analyzer for Ruby gems. It reads:
//
//   - installed gem specifications, */specifications/*.gemspec and
//     */specifications/default/*.gemspec (the default gems that ship with
//     Ruby), wherever the gem home is: usr/lib/ruby/gems/3.2.0,
//     usr/local/bundle, var/lib/gems/3.1.0, a user's ~/.gem, …
//   - Bundler lock files, Gemfile.lock (and gems.locked).
//
// A gemspec is Ruby code, and it is never evaluated. RubyGems writes the
// installed specifications itself (Gem::Specification#to_ruby), in a
// regular form: one "s.attribute = value" assignment per line, with string
// literals, frozen strings ("MIT".freeze), arrays of them, and
// Gem::Version.new("1.2.3"). A small bounded tokenizer reads those forms
// for name, version, licenses (or license) and platform, and ignores every
// other line; the "# stub: name version platform" comment RubyGems puts on
// top is the fallback for a name or version written in a form it does not
// read. A gemspec from which no name or version can be read is an error
// naming the file, never a silent omission.
//
// In a Gemfile.lock the GEM, GIT and PLUGIN SOURCE sections list the
// locked gems under "specs:", four spaces in, as "name (version)" or
// "name (version-platform)"; the platform suffix is stripped (Bundler's own
// parser treats everything after the first "-" as the platform). Gems from
// a PATH section are the project's own local code, not a published gem,
// and are skipped. A gem locked for several platforms is reported once.
// Gems of a GIT section carry the repository and revision as the PURL's
// vcs_url.
//
// Each gem becomes pkg:gem/name@version, with a platform qualifier for a
// gemspec of a platform-specific gem (pkg:gem/nokogiri@1.15.4?platform=x86_64-linux).
package ruby
