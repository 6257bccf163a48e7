package storetest

import (
	"fmt"
	"reflect"
	"time"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// Full returns a record of source with every field of [vulndb.Vulnerability]
// set, nested fields included: two elements in every slice, every pointer
// set, distinct strings, numbers and times (in UTC, with nanoseconds). It
// is filled by reflection, so a field added to the model is covered (and a
// store that drops it fails the round trip) without changing this
// package. Its two Affected entries are npm "left-pad" and Debian:12
// "openssl"; it is withdrawn, so clear Withdrawn to have Query find it.
//
// Full panics on a field of a kind it cannot fill: extend it then.
func Full(source, id string) vulndb.Vulnerability {
	var v vulndb.Vulnerability
	n := 0
	fill(reflect.ValueOf(&v).Elem(), "Vulnerability", &n)
	v.ID = id
	v.Source = source
	v.Affected[0].Package = vulndb.Package{Ecosystem: vulndb.EcosystemNPM, Name: "left-pad", PURL: "pkg:npm/left-pad"}
	v.Affected[1].Package = vulndb.Package{Ecosystem: "Debian:12", Name: "openssl", PURL: "pkg:deb/debian/openssl?distro=debian-12"}
	return v
}

var timeType = reflect.TypeFor[time.Time]()

func fill(v reflect.Value, path string, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("%s#%d", path, *n))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(*n) + 0.25)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), path, n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), fmt.Sprintf("%s[%d]", path, i), n)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k := reflect.New(v.Type().Key()).Elem()
		e := reflect.New(v.Type().Elem()).Elem()
		fill(k, path+".key", n)
		fill(e, path+".value", n)
		v.SetMapIndex(k, e)
	case reflect.Struct:
		if v.Type() == timeType {
			t := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(*n)*time.Hour + 123456789)
			v.Set(reflect.ValueOf(t))
			return
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				panic(fmt.Sprintf("storetest: %s.%s is unexported", path, f.Name))
			}
			fill(v.Field(i), path+"."+f.Name, n)
		}
	default:
		panic(fmt.Sprintf("storetest: cannot fill %s of kind %s; extend fill", path, v.Kind()))
	}
}
