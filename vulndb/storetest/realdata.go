package storetest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// GoVulnDBDir returns the directory of the Go vulnerability database's OSV
// records in the project's shared test data (../shared/data beside the
// module root), or "" when it is absent.
func GoVulnDBDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	d := filepath.Join(dir, "..", "shared", "data", "osv", "go-vulndb", "osv")
	if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
		return ""
	}
	return d
}

// LoadGoVulnDB reads the records of the Go vulnerability database from
// dir (see [GoVulnDBDir]). The OSV JSON is decoded straight into the model,
// which is enough for the fields the Go database uses.
func LoadGoVulnDB(t testing.TB, dir string) []vulndb.Vulnerability {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, dir)
	recs := make([]vulndb.Vulnerability, 0, len(files))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		var v vulndb.Vulnerability
		require.NoError(t, json.Unmarshal(raw, &v), f)
		recs = append(recs, v)
	}
	return recs
}

// testGoVulnDB imports the real Go vulnerability database and checks every
// package of every record against an index built here.
func testGoVulnDB(t *testing.T, s Store) {
	dir := GoVulnDBDir()
	if dir == "" {
		t.Skip("../shared/data/osv/go-vulndb is absent")
	}
	recs := LoadGoVulnDB(t, dir)
	err := s.Update(t.Context(), "go", true, func(tx vulndb.Tx) error {
		for _, v := range recs {
			if err := tx.Put(v); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	var keys []vulndb.PackageKey
	withdrawn := 0
	for _, v := range recs {
		if v.IsWithdrawn() {
			withdrawn++
		}
		for _, a := range v.Affected {
			if k := vulndb.KeyOf(a.Package); !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	require.NotZero(t, withdrawn, "the data has withdrawn records to check")
	keys = append(keys, vulndb.PackageKey{Ecosystem: vulndb.EcosystemGo, Name: "example.com/not/in/the/database"})
	checkAgainst(t, s, "go", recs, keys)
}
