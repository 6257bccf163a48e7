package boltstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// A record is stored under its ID in its source's bucket as
//
//	recordFormat byte
//	keys     uvarint count, then (ecosystem, name) string pairs: the index
//	         entries the record has, so that they can be removed exactly
//	         even if name normalisation changes later
//	aliases  uvarint count, then strings (first field of the body, so the
//	         ID index entries can be found without decoding the rest)
//	body     the remaining fields of vulndb.Vulnerability in declaration
//	         order (ID and Source are the key and the bucket)
//
// Strings are a uvarint length and bytes; lists a uvarint count and items;
// optional values a 0/1 byte; times a 0 byte for the zero time or a 1 byte,
// a varint of Unix seconds and a uvarint of nanoseconds; floats 8 bytes,
// little endian. Hand-rolled rather than encoding/json because decoding is
// on the query path: it is about ten times faster (see BenchmarkCodec).
const recordFormat = 1

// errShort is the cause when a value ends before its last field.
var errShort = errors.New("value ends early")

// encoder appends the encoding of a record to buf.
type encoder struct{ buf []byte }

func (e *encoder) uvarint(n uint64) { e.buf = binary.AppendUvarint(e.buf, n) }
func (e *encoder) str(s string)     { e.uvarint(uint64(len(s))); e.buf = append(e.buf, s...) }
func (e *encoder) flag(b bool) {
	if b {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}

func (e *encoder) strs(ss []string) {
	e.uvarint(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

func (e *encoder) float(f float64) {
	e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(f))
}

func (e *encoder) time(t time.Time) {
	if t.IsZero() {
		e.flag(false)
		return
	}
	e.flag(true)
	e.buf = binary.AppendVarint(e.buf, t.Unix())
	e.uvarint(uint64(t.Nanosecond()))
}

func (e *encoder) rating(r *vulndb.Rating) {
	e.flag(r != nil)
	if r != nil {
		e.str(string(r.Severity))
		e.str(r.Source)
	}
}

// Bits of the byte that says which fields of an event are set.
const (
	evIntroduced = 1 << iota
	evFixed
	evLastAffected
	evLimit
)

// encodeRecord returns the stored form of v with the index keys keys.
// aliases are written first so that [decodeAliases] can stop there.
func encodeRecord(v *vulndb.Vulnerability, keys []vulndb.PackageKey) []byte {
	e := encoder{buf: make([]byte, 0, sizeHint(v))}
	e.buf = append(e.buf, recordFormat)
	e.uvarint(uint64(len(keys)))
	for _, k := range keys {
		e.str(k.Ecosystem)
		e.str(k.Name)
	}
	e.strs(v.Aliases)
	e.strs(v.Related)
	e.str(v.Summary)
	e.str(v.Details)
	e.time(v.Published)
	e.time(v.Modified)
	e.flag(v.Withdrawn != nil)
	if v.Withdrawn != nil {
		e.time(*v.Withdrawn)
	}
	e.uvarint(uint64(len(v.Affected)))
	for i := range v.Affected {
		a := &v.Affected[i]
		e.str(a.Package.Ecosystem)
		e.str(a.Package.Name)
		e.str(a.Package.PURL)
		e.uvarint(uint64(len(a.Ranges)))
		for _, r := range a.Ranges {
			e.str(r.Type)
			e.uvarint(uint64(len(r.Events)))
			for _, ev := range r.Events {
				var bits byte
				for i, s := range [...]string{ev.Introduced, ev.Fixed, ev.LastAffected, ev.Limit} {
					if s != "" {
						bits |= 1 << i
					}
				}
				e.buf = append(e.buf, bits)
				for i, s := range [...]string{ev.Introduced, ev.Fixed, ev.LastAffected, ev.Limit} {
					if bits&(1<<i) != 0 {
						e.str(s)
					}
				}
			}
		}
		e.strs(a.Versions)
		e.str(string(a.Status))
		e.rating(a.Rating)
		e.uvarint(uint64(len(a.CPEs)))
		for _, c := range a.CPEs {
			e.str(c.Criteria)
			e.str(c.VersionStartIncluding)
			e.str(c.VersionStartExcluding)
			e.str(c.VersionEndIncluding)
			e.str(c.VersionEndExcluding)
		}
	}
	e.uvarint(uint64(len(v.Severity)))
	for _, c := range v.Severity {
		e.str(c.Type)
		e.str(c.Vector)
		e.float(c.Score)
		e.str(c.Source)
	}
	e.rating(v.Rating)
	e.strs(v.CWEs)
	e.uvarint(uint64(len(v.References)))
	for _, r := range v.References {
		e.str(r.Type)
		e.str(r.URL)
	}
	e.flag(v.KEV != nil)
	if v.KEV != nil {
		e.str(v.KEV.DateAdded)
		e.str(v.KEV.DueDate)
		e.str(v.KEV.KnownRansomware)
	}
	e.flag(v.EPSS != nil)
	if v.EPSS != nil {
		e.float(v.EPSS.Score)
		e.float(v.EPSS.Percentile)
		e.str(v.EPSS.Date)
	}
	return e.buf
}

// sizeHint guesses the encoded size of v, to allocate once.
func sizeHint(v *vulndb.Vulnerability) int {
	n := 64 + len(v.Summary) + len(v.Details)
	for _, a := range v.Affected {
		n += 32 + 2*len(a.Package.Name) + len(a.Package.PURL) + 24*len(a.Ranges) + 8*len(a.Versions)
	}
	for _, r := range v.References {
		n += 2 + len(r.URL)
	}
	return n + 16*len(v.Aliases) + 80*len(v.Severity)
}

// decoder reads a record from s. Strings it returns are substrings of s,
// so a whole record costs one allocation for its text. The first error
// sticks; every read after it returns zero values.
type decoder struct {
	s   string
	i   int
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = fmt.Errorf("at byte %d: %w", d.i, err)
	}
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if d.i >= len(d.s) {
		d.fail(errShort)
		return 0
	}
	b := d.s[d.i]
	d.i++
	return b
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	var x uint64
	var shift uint
	for n := 0; ; n++ {
		if d.i >= len(d.s) {
			d.fail(errShort)
			return 0
		}
		b := d.s[d.i]
		d.i++
		if n == binary.MaxVarintLen64-1 && b > 1 || n >= binary.MaxVarintLen64 {
			d.fail(errors.New("varint overflows 64 bits"))
			return 0
		}
		if b < 0x80 {
			return x | uint64(b)<<shift
		}
		x |= uint64(b&0x7f) << shift
		shift += 7
	}
}

func (d *decoder) varint() int64 {
	ux := d.uvarint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

// count reads a list length. Every item takes at least one byte, so a
// count larger than what is left is corrupt and never allocates.
func (d *decoder) count() int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.s)-d.i) {
		d.fail(fmt.Errorf("count %d exceeds the %d bytes left", n, len(d.s)-d.i))
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.s)-d.i) {
		d.fail(fmt.Errorf("string of %d bytes exceeds the %d bytes left", n, len(d.s)-d.i))
		return ""
	}
	s := d.s[d.i : d.i+int(n)]
	d.i += int(n)
	return s
}

func (d *decoder) strs() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = d.str()
	}
	return ss
}

func (d *decoder) flag() bool {
	switch b := d.byte(); b {
	case 0:
		return false
	case 1:
		return true
	default:
		d.fail(fmt.Errorf("flag byte %d", b))
		return false
	}
}

func (d *decoder) float() float64 {
	if d.err != nil {
		return 0
	}
	if len(d.s)-d.i < 8 {
		d.fail(errShort)
		return 0
	}
	var b [8]byte
	copy(b[:], d.s[d.i:])
	d.i += 8
	return math.Float64frombits(binary.LittleEndian.Uint64(b[:]))
}

func (d *decoder) time() time.Time {
	if !d.flag() {
		return time.Time{}
	}
	sec := d.varint()
	nsec := d.uvarint()
	if d.err != nil {
		return time.Time{}
	}
	if nsec >= 1e9 {
		d.fail(fmt.Errorf("nanoseconds %d out of range", nsec))
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

func (d *decoder) rating() *vulndb.Rating {
	if !d.flag() {
		return nil
	}
	return &vulndb.Rating{Severity: vulndb.Severity(d.str()), Source: d.str()}
}

// header reads the format byte and the index keys.
func (d *decoder) header() []vulndb.PackageKey {
	if f := d.byte(); d.err == nil && f != recordFormat {
		d.fail(fmt.Errorf("unknown record format %d", f))
	}
	n := d.count()
	if n == 0 {
		return nil
	}
	keys := make([]vulndb.PackageKey, n)
	for i := range keys {
		keys[i] = vulndb.PackageKey{Ecosystem: d.str(), Name: d.str()}
	}
	return keys
}

// decodeRecord decodes a stored record of source with the given ID.
func decodeRecord(val []byte, source, id string) (vulndb.Vulnerability, error) {
	d := decoder{s: string(val)}
	d.header()
	v := vulndb.Vulnerability{ID: id, Source: source}
	v.Aliases = d.strs()
	v.Related = d.strs()
	v.Summary = d.str()
	v.Details = d.str()
	v.Published = d.time()
	v.Modified = d.time()
	if d.flag() {
		t := d.time()
		v.Withdrawn = &t
	}
	if n := d.count(); n > 0 {
		v.Affected = make([]vulndb.Affected, n)
		for i := range v.Affected {
			d.affected(&v.Affected[i])
		}
	}
	if n := d.count(); n > 0 {
		v.Severity = make([]vulndb.CVSS, n)
		for i := range v.Severity {
			v.Severity[i] = vulndb.CVSS{Type: d.str(), Vector: d.str(), Score: d.float(), Source: d.str()}
		}
	}
	v.Rating = d.rating()
	v.CWEs = d.strs()
	if n := d.count(); n > 0 {
		v.References = make([]vulndb.Reference, n)
		for i := range v.References {
			v.References[i] = vulndb.Reference{Type: d.str(), URL: d.str()}
		}
	}
	if d.flag() {
		v.KEV = &vulndb.KEV{DateAdded: d.str(), DueDate: d.str(), KnownRansomware: d.str()}
	}
	if d.flag() {
		v.EPSS = &vulndb.EPSS{Score: d.float(), Percentile: d.float(), Date: d.str()}
	}
	if d.err == nil && d.i != len(d.s) {
		d.fail(fmt.Errorf("%d bytes after the last field", len(d.s)-d.i))
	}
	if d.err != nil {
		return vulndb.Vulnerability{}, d.err
	}
	return v, nil
}

func (d *decoder) affected(a *vulndb.Affected) {
	a.Package = vulndb.Package{Ecosystem: d.str(), Name: d.str(), PURL: d.str()}
	if n := d.count(); n > 0 {
		a.Ranges = make([]vulndb.Range, n)
		for i := range a.Ranges {
			r := &a.Ranges[i]
			r.Type = d.str()
			m := d.count()
			if m == 0 {
				continue
			}
			r.Events = make([]vulndb.Event, m)
			for j := range r.Events {
				bits := d.byte()
				if bits&^(evIntroduced|evFixed|evLastAffected|evLimit) != 0 {
					d.fail(fmt.Errorf("event bits %#x", bits))
				}
				ev := &r.Events[j]
				for k, f := range [...]*string{&ev.Introduced, &ev.Fixed, &ev.LastAffected, &ev.Limit} {
					if bits&(1<<k) != 0 {
						*f = d.str()
					}
				}
			}
		}
	}
	a.Versions = d.strs()
	a.Status = vulndb.FixStatus(d.str())
	a.Rating = d.rating()
	if n := d.count(); n > 0 {
		a.CPEs = make([]vulndb.CPEMatch, n)
		for i := range a.CPEs {
			a.CPEs[i] = vulndb.CPEMatch{
				Criteria:              d.str(),
				VersionStartIncluding: d.str(),
				VersionStartExcluding: d.str(),
				VersionEndIncluding:   d.str(),
				VersionEndExcluding:   d.str(),
			}
		}
	}
}

// decodeRefs returns the index keys and aliases of a stored record,
// without decoding the rest.
func decodeRefs(val []byte) (keys []vulndb.PackageKey, aliases []string, err error) {
	d := decoder{s: string(val)}
	keys = d.header()
	aliases = d.strs()
	return keys, aliases, d.err
}

// packageKeys returns the distinct keys under which v is indexed, in the
// order of its Affected entries: none for a withdrawn record, which never
// matches.
func packageKeys(v *vulndb.Vulnerability) []vulndb.PackageKey {
	if v.IsWithdrawn() {
		return nil
	}
	var keys []vulndb.PackageKey
	for _, a := range v.Affected {
		k := vulndb.KeyOf(a.Package)
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// idKeys returns the distinct names v is found under by Get: its ID and
// its aliases.
func idKeys(id string, aliases []string) []string {
	ids := make([]string, 1, 1+len(aliases))
	ids[0] = id
	for _, a := range aliases {
		if a != "" && !slices.Contains(ids, a) {
			ids = append(ids, a)
		}
	}
	return ids
}
