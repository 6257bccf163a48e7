package rpmdb

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseHeader(t *testing.T) {
	files := []tv{
		tStrs(tagDirnames, "/usr/bin/", "/usr/share/doc/foo/"),
		tStrs(tagBasenames, "foo", "README", "foo-helper"),
		tI32(tagDirIndexes, 0, 1, 0),
	}
	tests := []struct {
		name    string
		region  []tv
		dribble []tv
		opts    []Option
		want    Package
	}{
		{
			name:   "minimal",
			region: basic("foo", "1.2", "3.el9", "x86_64"),
			want:   Package{Name: "foo", Version: "1.2", Release: "3.el9", Arch: "x86_64"},
		},
		{
			name: "all fields",
			region: append(basic("bash", "5.1.8", "6.el9", "aarch64"),
				tI32(tagEpoch, 2), tStr(tagSourceRPM, "bash-5.1.8-6.el9.src.rpm"), tStr(tagLicense, "GPLv3+"),
				tStr(tagVendor, "Red Hat, Inc."), tI32(tagSize, 7000000), tStr(tagModularityLabel, "bash:5:1:rhel9")),
			want: Package{Name: "bash", Epoch: 2, HasEpoch: true, Version: "5.1.8", Release: "6.el9", Arch: "aarch64",
				SourceRPM: "bash-5.1.8-6.el9.src.rpm", License: "GPLv3+", Vendor: "Red Hat, Inc.", Size: 7000000,
				ModularityLabel: "bash:5:1:rhel9"},
		},
		{
			name:   "epoch 0 is present",
			region: append(basic("foo", "1", "1", "noarch"), tI32(tagEpoch, 0)),
			want:   Package{Name: "foo", HasEpoch: true, Version: "1", Release: "1", Arch: "noarch"},
		},
		{
			name: "(none) values become empty",
			region: append(basic("gpg-pubkey", "fd431d51", "4ae0493b", ""),
				tStr(tagSourceRPM, "(none)"), tStr(tagLicense, "(none)"), tStr(tagVendor, "(none)")),
			want: Package{Name: "gpg-pubkey", Version: "fd431d51", Release: "4ae0493b"},
		},
		{
			name:   "long size wins over size",
			region: append(basic("big", "1", "1", "x86_64"), tI32(tagSize, 1), tI64(tagLongSize, 5<<30)),
			want:   Package{Name: "big", Version: "1", Release: "1", Arch: "x86_64", Size: 5 << 30},
		},
		{
			name:   "i18n license takes the first string",
			region: append(basic("foo", "1", "1", "x86_64"), tI18N(tagLicense, "MIT", "MIT-fr")),
			want:   Package{Name: "foo", Version: "1", Release: "1", Arch: "x86_64", License: "MIT"},
		},
		{
			name:    "dribble entry replaces the region's",
			region:  basic("foo", "1", "1", "x86_64"),
			dribble: []tv{tStr(tagRelease, "2")},
			want:    Package{Name: "foo", Version: "1", Release: "2", Arch: "x86_64"},
		},
		{
			name:    "legacy header without a region",
			dribble: basic("old", "0.9", "1", "i386"),
			want:    Package{Name: "old", Version: "0.9", Release: "1", Arch: "i386"},
		},
		{
			name:   "file list",
			region: append(basic("foo", "1", "1", "x86_64"), files...),
			want: Package{Name: "foo", Version: "1", Release: "1", Arch: "x86_64",
				Files: []string{"/usr/bin/foo", "/usr/share/doc/foo/README", "/usr/bin/foo-helper"}},
		},
		{
			name:   "file list turned off",
			region: append(basic("foo", "1", "1", "x86_64"), files...),
			opts:   []Option{WithFiles(false)},
			want:   Package{Name: "foo", Version: "1", Release: "1", Arch: "x86_64"},
		},
		{
			name:   "old file names",
			region: append(basic("foo", "1", "1", "x86_64"), tStrs(tagOldFilenames, "/bin/foo", "/etc/foo.conf")),
			want:   Package{Name: "foo", Version: "1", Release: "1", Arch: "x86_64", Files: []string{"/bin/foo", "/etc/foo.conf"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseHeader(buildHeader(tt.region, tt.dribble), tt.opts...)
			require.NoError(t, err)
			assert.Equal(t, tt.want, p)
		})
	}
}

func TestParseHeaderErrors(t *testing.T) {
	good := buildHeader(append(basic("foo", "1", "1", "x86_64"), tI32(tagSize, 10)), nil)
	// good's index: 0 region, 1 NAME, 2 VERSION, 3 RELEASE, 4 ARCH, 5 SIZE.
	il := int(binary.BigEndian.Uint32(good))
	dl := binary.BigEndian.Uint32(good[4:])
	trailer := binary.BigEndian.Uint32(good[preambleSize+8:]) // data offset of the region trailer
	withData := func(off int, b ...byte) []byte {
		out := append([]byte(nil), good...)
		copy(out[preambleSize+il*entrySize+off:], b)
		return out
	}
	u32 := func(v int32) uint32 { return uint32(v) }
	files := func(idx ...uint32) []byte {
		return buildHeader(append(basic("foo", "1", "1", "x86_64"),
			tStrs(tagDirnames, "/a/"), tStrs(tagBasenames, "x", "y"), tI32(tagDirIndexes, idx...)), nil)
	}
	tests := []struct {
		name string
		blob []byte
		opts []Option
		is   error
		msg  string
	}{
		{"empty", nil, nil, ErrMalformed, "shorter than its 8-byte preamble"},
		{"seven bytes", good[:7], nil, ErrMalformed, "shorter than"},
		{"no index entries", append([]byte{0, 0, 0, 0}, good[4:]...), nil, ErrMalformed, "index length 0"},
		{"huge index length", append([]byte{0, 1, 0, 0}, good[4:]...), nil, ErrMalformed, "index length 65536"},
		{"negative index length", append([]byte{0xff, 0xff, 0xff, 0xff}, good[4:]...), nil, ErrMalformed, "out of range"},
		{"huge data length", append(append([]byte(nil), good[:4]...), append([]byte{0x10, 0, 0, 0}, good[8:]...)...), nil, ErrMalformed, "data length 268435456"},
		{"blob longer than declared", append(append([]byte(nil), good...), 0), nil, ErrMalformed, "blob has"},
		{"blob shorter than declared", good[:len(good)-1], nil, ErrMalformed, "blob has"},
		{"region tag wrong type", setEntry(good, 0, 1, typeString), nil, ErrMalformed, "region tag 63"},
		{"region tag wrong count", setEntry(good, 0, 3, 17), nil, ErrMalformed, "region tag 63"},
		{"region trailer outside data", setEntry(good, 0, 2, dl), nil, ErrMalformed, "trailer at data offset"},
		{"region trailer negative offset", setEntry(good, 0, 2, u32(-16)), nil, ErrMalformed, "trailer at data offset"},
		{"region trailer wrong tag", withData(int(trailer), 0, 0, 0, 62), nil, ErrMalformed, "region trailer"},
		{"region trailer odd size", withData(int(trailer)+8, 0xff, 0xff, 0xff, 0xf0+1), nil, ErrMalformed, "region trailer offset"},
		{"region larger than the index", withData(int(trailer)+8, 0xff, 0xff, 0xff, 0x00), nil, ErrMalformed, "region entries"},
		{"entry tag below 100", setEntry(good, 1, 0, 99), nil, ErrMalformed, "tag below 100"},
		{"entry type null", setEntry(good, 1, 1, typeNull), nil, ErrMalformed, "unknown type"},
		{"entry type 10", setEntry(good, 1, 1, 10), nil, ErrMalformed, "unknown type"},
		{"entry negative offset", setEntry(good, 1, 2, u32(-1)), nil, ErrMalformed, "outside the"},
		{"entry offset past data", setEntry(good, 5, 2, dl+4), nil, ErrMalformed, "outside the"},
		{"int32 misaligned", setEntry(good, 5, 2, binary.BigEndian.Uint32(good[preambleSize+5*entrySize+8:])+1), nil, ErrMalformed, "not aligned"},
		{"count 0", setEntry(good, 1, 3, 0), nil, ErrMalformed, "count 0"},
		{"string with count 2", setEntry(good, 1, 3, 2), nil, ErrMalformed, "string with count 2"},
		{"int32 count overflows data", setEntry(good, 5, 3, 0xffffffff), nil, ErrMalformed, "bytes of data"},
		{"string array count past data", setEntry(setEntry(good, 4, 1, typeStringArray), 4, 3, 1<<30), nil, ErrMalformed, "strings in"},
		{"string without NUL", withData(int(binary.BigEndian.Uint32(good[preambleSize+4*entrySize+8:])), 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x'), nil, ErrMalformed, ""},
		{"entries overlap", setEntry(good, 2, 2, 0), nil, ErrMalformed, "overlaps the previous entry"},
		{"NAME as int32", setEntry(setEntry(good, 5, 0, tagName), 1, 0, 1100), nil, ErrMalformed, "tag NAME has type 4"},
		{"EPOCH as string", setEntry(good, 4, 0, tagEpoch), nil, ErrMalformed, "tag EPOCH has type 6"},
		{"no NAME", setEntry(good, 1, 0, 1100), nil, ErrMalformed, "no NAME"},
		{"no VERSION", setEntry(good, 2, 0, 1101), nil, ErrMalformed, "no VERSION"},
		{"dir index out of range", files(0, 1), nil, ErrMalformed, "directory index 1 of 1"},
		{"negative dir index", files(0, 0xffffffff), nil, ErrMalformed, "directory index -1"},
		{"dir index count mismatch", files(0), nil, ErrMalformed, "1 DIRINDEXES for 2 BASENAMES"},
		{"basenames without dirnames", buildHeader(append(basic("foo", "1", "1", "x86_64"), tStrs(tagBasenames, "x")), nil), nil, ErrMalformed, "without DIRNAMES"},
		{"too many files", files(0, 0), []Option{WithMaxFiles(1)}, ErrLimit, "2 files"},
		{"too many path bytes", files(0, 0), []Option{WithMaxPathBytes(5)}, ErrLimit, "file paths total more than 5 bytes"},
		{"blob over the limit", good, []Option{WithMaxBlobBytes(16)}, ErrLimit, "the limit is 16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseHeader(tt.blob, tt.opts...)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.is)
			assert.False(t, errors.Is(err, errPanic))
			assert.Contains(t, err.Error(), "rpmdb: header: ")
			assert.Contains(t, err.Error(), tt.msg)
			assert.Equal(t, Package{}, p)
		})
	}
}
