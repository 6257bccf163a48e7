package storetest_test

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/storetest"
)

func TestCorpus(t *testing.T) {
	const n = 20000
	c := storetest.NewCorpus(4, n)
	ids := map[string]bool{}
	aliases := map[string]bool{}
	perKey := map[vulndb.PackageKey]int{}
	withdrawn := 0
	i := 0
	for v := range c.All() {
		require.False(t, ids[v.ID], "ID %s repeats", v.ID)
		ids[v.ID] = true
		require.Len(t, v.Aliases, 1)
		require.False(t, aliases[v.Aliases[0]], "alias %s repeats", v.Aliases[0])
		aliases[v.Aliases[0]] = true
		require.NotEmpty(t, v.Affected)
		require.LessOrEqual(t, len(v.Affected), 3)
		require.Regexp(t, `^GHSA(-[2-9cfghjmpqrvwx]{4}){3}$`, v.ID)
		if v.IsWithdrawn() {
			withdrawn++
			continue
		}
		for _, a := range v.Affected {
			perKey[vulndb.KeyOf(a.Package)]++
		}
		if i < 50 {
			assert.Equal(t, v, c.Record(i), "Record(i) is the i-th record of All")
		}
		i++
	}
	assert.Len(t, ids, n)
	assert.NotZero(t, withdrawn)
	most := 0
	for _, k := range perKey {
		most = max(most, k)
	}
	assert.Greater(t, most, 20, "popular packages gather records")
	assert.Less(t, len(perKey), n*2)

	for _, keys := range [][]vulndb.PackageKey{c.Keys(1, 2000, 0.3), c.UniformKeys(1, 2000, 0.3)} {
		hits := 0
		for _, k := range keys {
			if perKey[k] > 0 {
				hits++
			}
		}
		// Hits are picked from affected packages, so only a withdrawn-only
		// package can miss.
		assert.InDelta(t, 600, hits, 80)
	}
	assert.Equal(t, c.Keys(1, 100, 0.5), storetest.NewCorpus(4, n).Keys(1, 100, 0.5), "deterministic")
}

func TestFull(t *testing.T) {
	v := storetest.Full("src", "ID-1")
	var zero []string
	walk(reflect.ValueOf(v), "Vulnerability", &zero)
	assert.Empty(t, zero, "every field is set")
}

// walk lists the zero-valued leaves under v.
func walk(v reflect.Value, path string, zero *[]string) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			*zero = append(*zero, path)
			return
		}
		walk(v.Elem(), path, zero)
	case reflect.Slice:
		if v.Len() == 0 {
			*zero = append(*zero, path)
		}
		for i := range v.Len() {
			walk(v.Index(i), path, zero)
		}
	case reflect.Struct:
		if v.Type().String() == "time.Time" {
			if v.Interface() == reflect.Zero(v.Type()).Interface() {
				*zero = append(*zero, path)
			}
			return
		}
		for i := range v.NumField() {
			walk(v.Field(i), path+"."+v.Type().Field(i).Name, zero)
		}
	default:
		if v.IsZero() {
			*zero = append(*zero, path)
		}
	}
}
