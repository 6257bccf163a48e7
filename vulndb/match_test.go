package vulndb_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/memstore"
)

// put writes records into a new in-memory store, one update per source.
func put(t *testing.T, recs ...vulndb.Vulnerability) *memstore.Store {
	t.Helper()
	s := memstore.New()
	bySource := map[string][]vulndb.Vulnerability{}
	for _, r := range recs {
		bySource[r.Source] = append(bySource[r.Source], r)
	}
	for src, rs := range bySource {
		require.NoError(t, s.Update(context.Background(), src, true, func(tx vulndb.Tx) error {
			for _, r := range rs {
				if err := tx.Put(r); err != nil {
					return err
				}
			}
			return tx.SetInfo(vulndb.SourceInfo{Name: src, Updated: time.Now()})
		}))
	}
	return s
}

func ecoRange(events ...vulndb.Event) []vulndb.Range {
	return []vulndb.Range{{Type: "ECOSYSTEM", Events: events}}
}

func intro(v string) vulndb.Event { return vulndb.Event{Introduced: v} }
func fixed(v string) vulndb.Event { return vulndb.Event{Fixed: v} }
func last(v string) vulndb.Event  { return vulndb.Event{LastAffected: v} }

func matchOne(t *testing.T, s vulndb.Store, q vulndb.Query) vulndb.Result {
	t.Helper()
	m, err := vulndb.NewMatcher(s)
	require.NoError(t, err)
	res, err := m.Match(context.Background(), []vulndb.Query{q})
	require.NoError(t, err)
	require.Len(t, res, 1)
	return res[0]
}

func ids(ms []vulndb.Match) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func TestRangeEvaluation(t *testing.T) {
	rec := func(eco string, rs []vulndb.Range, versions ...string) vulndb.Vulnerability {
		return vulndb.Vulnerability{ID: "X-1", Source: "test", Affected: []vulndb.Affected{{
			Package: vulndb.Package{Ecosystem: eco, Name: "pkg"}, Ranges: rs, Versions: versions}}}
	}
	for _, tc := range []struct {
		name, eco, installed string
		rec                  vulndb.Vulnerability
		affected             bool
		fixed                string
	}{
		{"below fix", "npm", "1.2.0", rec("npm", ecoRange(intro("0"), fixed("1.2.3"))), true, "1.2.3"},
		{"at fix", "npm", "1.2.3", rec("npm", ecoRange(intro("0"), fixed("1.2.3"))), false, ""},
		{"above fix", "npm", "1.10.0", rec("npm", ecoRange(intro("0"), fixed("1.2.3"))), false, ""},
		{"before introduced", "npm", "0.9.0", rec("npm", ecoRange(intro("1.0.0"), fixed("1.2.3"))), false, ""},
		{"at introduced", "npm", "1.0.0", rec("npm", ecoRange(intro("1.0.0"), fixed("1.2.3"))), true, "1.2.3"},
		{"second window", "npm", "2.1.0", rec("npm", ecoRange(intro("1.0.0"), fixed("1.2.3"), intro("2.0.0"), fixed("2.2.0"))), true, "2.2.0"},
		{"between windows", "npm", "1.5.0", rec("npm", ecoRange(intro("1.0.0"), fixed("1.2.3"), intro("2.0.0"), fixed("2.2.0"))), false, ""},
		{"events out of order", "npm", "2.1.0", rec("npm", ecoRange(fixed("2.2.0"), intro("2.0.0"), fixed("1.2.3"), intro("1.0.0"))), true, "2.2.0"},
		{"at last_affected", "npm", "1.4.0", rec("npm", ecoRange(intro("1.0.0"), last("1.4.0"))), true, ""},
		{"after last_affected", "npm", "1.4.1", rec("npm", ecoRange(intro("1.0.0"), last("1.4.0"))), false, ""},
		{"no fix yet", "npm", "9.9.9", rec("npm", ecoRange(intro("0"))), true, ""},
		{"listed version", "PyPI", "2.0", rec("PyPI", nil, "1.0", "2.0.0"), true, ""},
		{"unlisted version", "PyPI", "2.1", rec("PyPI", nil, "1.0", "2.0.0"), false, ""},
		{"pep440 prerelease before fix", "PyPI", "2.0rc1", rec("PyPI", ecoRange(intro("0"), fixed("2.0"))), true, "2.0"},
		{"dpkg epoch", "Debian:12", "1:1.0-1", rec("Debian:12", ecoRange(intro("0"), fixed("2.0-1"))), false, ""},
		{"dpkg tilde", "Debian:12", "3.0.11-1~deb12u2", rec("Debian:12", ecoRange(intro("0"), fixed("3.0.11-1"))), true, "3.0.11-1"},
		{"git ranges ignored", "npm", "1.0.0", rec("npm", []vulndb.Range{{Type: "GIT", Events: []vulndb.Event{intro("0")}}}), false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := matchOne(t, put(t, tc.rec), vulndb.Query{Ecosystem: tc.eco, Name: "pkg", Version: tc.installed})
			require.NoError(t, res.Err)
			if !tc.affected {
				assert.Empty(t, res.Matches)
				return
			}
			require.Len(t, res.Matches, 1)
			assert.Equal(t, tc.fixed, res.Matches[0].FixedVersion)
			if tc.fixed != "" {
				assert.Equal(t, vulndb.StatusFixed, res.Matches[0].Status)
			} else {
				assert.Equal(t, vulndb.StatusNotFixed, res.Matches[0].Status)
			}
		})
	}
}

// A distribution fixes by backport: its own version at or above the fixed
// one is not vulnerable, whatever the upstream version says.
func TestDebianBackportIsNotReported(t *testing.T) {
	s := put(t, vulndb.Vulnerability{ID: "CVE-2024-0001", Source: "debian", Affected: []vulndb.Affected{{
		Package: vulndb.Package{Ecosystem: "Debian:12", Name: "openssl"},
		Ranges:  ecoRange(intro("0"), fixed("3.0.13-1~deb12u1")),
		Status:  vulndb.StatusFixed,
	}}})
	res := matchOne(t, s, vulndb.Query{Ecosystem: "Debian:12", Name: "openssl", Version: "3.0.13-1~deb12u1"})
	assert.Empty(t, res.Matches)
	res = matchOne(t, s, vulndb.Query{Ecosystem: "Debian:12", Name: "openssl", Version: "3.0.11-1~deb12u2"})
	assert.Equal(t, []string{"CVE-2024-0001"}, ids(res.Matches))
	// Another release's record does not apply.
	res = matchOne(t, s, vulndb.Query{Ecosystem: "Debian:11", Name: "openssl", Version: "1.1.1n-0+deb11u1"})
	assert.Empty(t, res.Matches)
}

func TestEcosystemsDoNotMix(t *testing.T) {
	s := put(t,
		vulndb.Vulnerability{ID: "GHSA-pypi", Source: "osv", Affected: []vulndb.Affected{{Package: vulndb.Package{Ecosystem: "PyPI", Name: "requests"}, Ranges: ecoRange(intro("0"), fixed("9.0"))}}},
		vulndb.Vulnerability{ID: "GHSA-npm", Source: "osv", Affected: []vulndb.Affected{{Package: vulndb.Package{Ecosystem: "npm", Name: "requests"}, Ranges: ecoRange(intro("0"), fixed("9.0.0"))}}},
	)
	assert.Equal(t, []string{"GHSA-npm"}, ids(matchOne(t, s, vulndb.Query{Ecosystem: "npm", Name: "requests", Version: "1.0.0"}).Matches))
	assert.Equal(t, []string{"GHSA-pypi"}, ids(matchOne(t, s, vulndb.Query{Ecosystem: "PyPI", Name: "Requests", Version: "1.0"}).Matches))
}

func TestAliasesMergeAndSeverityOrder(t *testing.T) {
	published := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	s := put(t,
		// The distribution's record, with its urgency.
		vulndb.Vulnerability{ID: "CVE-2024-1111", Source: "debian", Affected: []vulndb.Affected{{
			Package: vulndb.Package{Ecosystem: "Debian:12", Name: "curl"},
			Ranges:  ecoRange(intro("0"), fixed("7.88.1-10+deb12u6")),
			Rating:  &vulndb.Rating{Severity: vulndb.Low, Source: "debian"},
		}}},
		// OSV's copy of the DSA, naming the CVE as an alias.
		vulndb.Vulnerability{ID: "DSA-5555-1", Aliases: []string{"CVE-2024-1111"}, Source: "osv", Summary: "curl security update", Published: published, Affected: []vulndb.Affected{{
			Package: vulndb.Package{Ecosystem: "Debian:12", Name: "curl"},
			Ranges:  ecoRange(intro("0"), fixed("7.88.1-10+deb12u6")),
		}}},
		// Enrichment under the CVE ID.
		vulndb.Vulnerability{ID: "CVE-2024-1111", Source: "nvd", Rating: &vulndb.Rating{Severity: vulndb.Critical, Source: "nvd"},
			Severity: []vulndb.CVSS{{Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Score: 9.8, Source: "nvd"}}},
		vulndb.Vulnerability{ID: "CVE-2024-1111", Source: "kev", KEV: &vulndb.KEV{DateAdded: "2024-02-01"}},
		vulndb.Vulnerability{ID: "CVE-2024-1111", Source: "epss", EPSS: &vulndb.EPSS{Score: 0.5, Percentile: 0.9}},
		// Only NVD rates this one.
		vulndb.Vulnerability{ID: "CVE-2024-2222", Source: "debian", Affected: []vulndb.Affected{{
			Package: vulndb.Package{Ecosystem: "Debian:12", Name: "curl"}, Ranges: ecoRange(intro("0")), Status: vulndb.StatusWontFix}}},
		vulndb.Vulnerability{ID: "CVE-2024-2222", Source: "nvd", Rating: &vulndb.Rating{Severity: vulndb.Medium, Source: "nvd"}},
		// Nobody rates this one, but a CVSS vector scores it.
		vulndb.Vulnerability{ID: "GHSA-aaaa", Source: "osv", Severity: []vulndb.CVSS{{Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", Score: 7.5}},
			Affected: []vulndb.Affected{{Package: vulndb.Package{Ecosystem: "Debian:12", Name: "curl"}, Ranges: ecoRange(intro("0"), fixed("8.0.0-1"))}}},
		// Withdrawn and not-affected records never match.
		vulndb.Vulnerability{ID: "CVE-2024-3333", Source: "osv", Withdrawn: &published, Affected: []vulndb.Affected{{
			Package: vulndb.Package{Ecosystem: "Debian:12", Name: "curl"}, Ranges: ecoRange(intro("0"))}}},
		vulndb.Vulnerability{ID: "CVE-2024-4444", Source: "debian", Affected: []vulndb.Affected{{
			Package: vulndb.Package{Ecosystem: "Debian:12", Name: "curl"}, Status: vulndb.StatusNotAffected}}},
	)
	res := matchOne(t, s, vulndb.Query{Ecosystem: "Debian:12", Name: "curl", Version: "7.88.1-10+deb12u5"})
	require.NoError(t, res.Err)
	require.Equal(t, []string{"CVE-2024-1111", "CVE-2024-2222", "GHSA-aaaa"}, ids(res.Matches))

	m := res.Matches[0]
	assert.Equal(t, []string{"DSA-5555-1"}, m.Aliases)
	assert.Equal(t, vulndb.Low, m.Severity, "the distribution's rating comes first")
	assert.Equal(t, "debian", m.SeveritySource)
	assert.Equal(t, "7.88.1-10+deb12u6", m.FixedVersion)
	assert.Equal(t, vulndb.StatusFixed, m.Status)
	assert.Equal(t, []string{"debian", "osv"}, m.Sources)
	assert.Equal(t, "curl security update", m.Summary)
	assert.Equal(t, published, m.Published)
	require.NotNil(t, m.KEV)
	require.NotNil(t, m.EPSS)
	assert.InDelta(t, 0.5, m.EPSS.Score, 1e-9)
	require.Len(t, m.CVSS, 1)
	assert.Equal(t, "nvd", m.CVSS[0].Source)

	m = res.Matches[1]
	assert.Equal(t, vulndb.Medium, m.Severity)
	assert.Equal(t, "nvd", m.SeveritySource)
	assert.Equal(t, vulndb.StatusWontFix, m.Status)
	assert.Empty(t, m.FixedVersion)

	m = res.Matches[2]
	assert.Equal(t, vulndb.High, m.Severity)
	assert.Equal(t, "cvss", m.SeveritySource)
}

func TestUnparsableVersionIsAnErrorNotAMatch(t *testing.T) {
	s := put(t, vulndb.Vulnerability{ID: "GHSA-x", Source: "osv", Affected: []vulndb.Affected{{
		Package: vulndb.Package{Ecosystem: "npm", Name: "left-pad"}, Ranges: ecoRange(intro("0"), fixed("1.3.0"))}}})
	res := matchOne(t, s, vulndb.Query{Ecosystem: "npm", Name: "left-pad", Version: "not a version"})
	assert.Empty(t, res.Matches)
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "GHSA-x")

	res = matchOne(t, s, vulndb.Query{Ecosystem: "Klingon", Name: "left-pad", Version: "1.0"})
	assert.Empty(t, res.Matches)
	assert.NoError(t, res.Err, "nothing is filed under an unknown ecosystem")
}

func TestCPEMatching(t *testing.T) {
	s := put(t,
		vulndb.Vulnerability{ID: "CVE-2022-0778", Source: "nvd", Affected: []vulndb.Affected{{
			Package: vulndb.Package{Ecosystem: vulndb.EcosystemNVD, Name: "openssl:openssl"},
			CPEs: []vulndb.CPEMatch{
				{Criteria: "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", VersionStartIncluding: "1.0.2", VersionEndExcluding: "1.0.2zd"},
				{Criteria: "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", VersionStartIncluding: "1.1.1", VersionEndExcluding: "1.1.1n"},
				{Criteria: "cpe:2.3:a:openssl:openssl:3.0.1:*:*:*:*:*:*:*"},
			}}}},
		vulndb.Vulnerability{ID: "CVE-2099-0002", Source: "nvd", Affected: []vulndb.Affected{{
			Package: vulndb.Package{Ecosystem: vulndb.EcosystemNVD, Name: "nginx:nginx"},
			CPEs:    []vulndb.CPEMatch{{Criteria: "cpe:2.3:a:nginx:nginx:*:*:*:*:*:*:*:*", VersionStartIncluding: "1.25.0", VersionEndExcluding: "1.25.4"}},
		}}},
	)
	for v, want := range map[string]bool{"1.25.4-rc1": true, "1.25.3": true, "1.25.10": false, "1.25.0-beta": false, "1.24.9": false} {
		res := matchOne(t, s, vulndb.Query{Ecosystem: vulndb.EcosystemNVD, Name: "nginx:nginx", Version: v})
		require.NoError(t, res.Err, v)
		assert.Equal(t, want, len(res.Matches) == 1, v)
	}
	for v, want := range map[string]bool{"1.1.1k": true, "1.1.1n": false, "1.1.1": true, "3.0.1": true, "3.0.2": false, "1.0.1": false} {
		res := matchOne(t, s, vulndb.Query{Ecosystem: vulndb.EcosystemNVD, Name: "openssl:openssl", Version: v})
		require.NoError(t, res.Err, v)
		assert.Equal(t, want, len(res.Matches) == 1, v)
	}
	res := matchOne(t, s, vulndb.Query{Ecosystem: vulndb.EcosystemNVD, Name: "openssl:openssl", Version: "1.1.1k"})
	assert.Equal(t, "1.1.1n", res.Matches[0].FixedVersion)
}

func TestSeverityFromScore(t *testing.T) {
	assert.Equal(t, vulndb.Critical, vulndb.SeverityFromScore("3.1", 9.0))
	assert.Equal(t, vulndb.High, vulndb.SeverityFromScore("3.1", 8.9))
	assert.Equal(t, vulndb.Medium, vulndb.SeverityFromScore("4.0", 4.0))
	assert.Equal(t, vulndb.Low, vulndb.SeverityFromScore("3.0", 3.9))
	assert.Equal(t, vulndb.High, vulndb.SeverityFromScore("2.0", 10))
	assert.Equal(t, vulndb.Unknown, vulndb.SeverityFromScore("3.1", 0))
}
