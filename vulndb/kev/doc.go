// Package kev is CISA's Known Exploited Vulnerabilities catalogue as a
// vulnerability feed.
//
// The catalogue (https://www.cisa.gov/known-exploited-vulnerabilities-catalog)
// lists CVEs known to be exploited in the wild. [Source] turns each entry
// into a [vulndb.Vulnerability] whose ID is the CVE and whose KEV field
// holds the date it was added, the remediation due date and whether it is
// known to be used by ransomware campaigns. The records carry no Affected
// entry: they never match a package by themselves, but give the records
// of other feeds with the same CVE an exploit signal.
//
// Field names follow CISA's published schema
// (known_exploited_vulnerabilities_schema.json): catalogVersion,
// dateReleased, count, vulnerabilities[]{cveID, vendorProject, product,
// vulnerabilityName, dateAdded, shortDescription, requiredAction, dueDate,
// knownRansomwareCampaignUse, notes, cwes}. An entry whose cveID or
// dateAdded is malformed is skipped and counted ([Source.Skipped]); a file
// that is not a catalogue is an error naming it.
package kev
