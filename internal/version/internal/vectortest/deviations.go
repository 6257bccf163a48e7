package vectortest

// OSVDeviations returns the lines of an osv-scalibr-semantic fixture file
// that this module's comparers deliberately do not reproduce, with the
// reason. Most are strings the ecosystem's own tool rejects, which the
// comparers reject too (an error, never a guessed order).
func OSVDeviations(file string) Deviations {
	switch file {
	case "alpine-versions.txt":
		const (
			revision = "invalid revision (not -r followed by digits) in every apk-tools: an error, not an order"
			upper    = "upper-case letter: invalid in every apk-tools"
			suffix   = "unknown _suffix: invalid in every apk-tools"
			letters  = "two letters in a row: invalid in every apk-tools"
			emptyDot = "apk-tools 2 orders an empty dotted field after a letter (0.r1 > 0r2); " +
				"the fixture follows the peer's own parser"
		)
		return Deviations{
			4: revision, 5: revision, 38: revision, 40: revision, 43: revision, 44: revision,
			45: revision, 47: revision, 48: revision,
			27: upper, 28: upper,
			50: suffix, 58: suffix, 59: suffix, 72: suffix,
			74: letters,
			15: emptyDot, 24: emptyDot,
		}
	case "maven-versions.txt":
		return Deviations{
			// 1-1 = 1-ga-1
			100: "maven-artifact 3.8 (which produced the generated fixture) orders 1-ga-1 before 1-1; " +
				"the POM reference's example, and Maven 4's reworked ComparableVersion, make them equal",
		}
	case "nuget-versions.txt":
		const tooBig = "NuGetVersion rejects numbers above 2147483647 (System.Version parts are int32)"
		return Deviations{39: tooBig, 40: tooBig}
	case "packagist-versions.txt":
		const hash = "'#' is not a version character: Composer rejects it and PHP's version_compare " +
			"turns it into a separator; the fixture reads it as a number, as the peer's code does"
		return Deviations{94: hash, 95: hash, 96: hash, 97: hash, 98: hash, 99: hash}
	case "rubygems-versions.txt":
		const malformed = "Gem::Version rejects it as malformed: a letter directly after the first number " +
			"does not match ANCHORED_VERSION_PATTERN"
		return Deviations{3: malformed, 27: malformed} // 1 > 1beta, 1 > 1gamma
	}
	return nil
}
