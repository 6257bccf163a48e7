package rpmdb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rpmSchema is the Packages table as rpm creates it.
const rpmSchema = `CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)`

// sqliteFile writes an sqlite database made by the statements (each with
// its arguments) and returns its path.
func sqliteFile(t *testing.T, stmts ...[]any) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rpmdb.sqlite")
	s, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer s.Close()
	for _, st := range stmts {
		_, err := s.Exec(st[0].(string), st[1:]...)
		require.NoError(t, err, st[0])
	}
	return path
}

func stmt(q string, args ...any) []any { return append([]any{q}, args...) }

func insert(blob any) []any { return stmt(`INSERT INTO Packages (blob) VALUES (?)`, blob) }

func TestSQLite(t *testing.T) {
	good := buildHeader(basic("good", "1", "1", "x86_64"), nil)
	tests := []struct {
		name  string
		stmts [][]any
		names []string
		is    error
		msg   string
	}{
		{"rows", [][]any{stmt(rpmSchema), insert(good), insert(bigHeader("big"))}, []string{"good", "big"}, nil, ""},
		{"blob that is not a header", [][]any{stmt(rpmSchema), insert([]byte("hello, world")), insert(good)}, []string{"good"}, ErrMalformed, "sqlite Packages row hnum=1: malformed: header index length 1751477356"},
		{"empty blob", [][]any{stmt(rpmSchema), insert([]byte{}), insert(good)}, []string{"good"}, ErrMalformed, "row hnum=1"},
		{"text blob", [][]any{stmt(rpmSchema), insert("text, not a header"), insert(good)}, []string{"good"}, ErrMalformed, "row hnum=1"},
		{"integer blob", [][]any{stmt(rpmSchema), insert(42), insert(good)}, []string{"good"}, ErrMalformed, "row hnum=1"},
		{"NULL blob", [][]any{stmt(`CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB)`), insert(nil), insert(good)}, []string{"good"}, ErrMalformed, "blob is NULL"},
		{"no blob column", [][]any{stmt(`CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, data BLOB)`)}, nil, ErrMalformed, "query Packages"},
		{"empty table", [][]any{stmt(rpmSchema)}, nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(sqliteFile(t, tt.stmts...))
			require.NoError(t, err)
			defer db.Close()
			assert.Equal(t, FormatSQLite, db.Format())
			pkgs, err := db.Packages(context.Background())
			assert.Equal(t, tt.names, names(pkgs))
			if tt.is == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.is)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

func TestSQLiteBlobLimit(t *testing.T) {
	path := sqliteFile(t, stmt(rpmSchema), insert(bigHeader("big")), insert(buildHeader(basic("small", "1", "1", "x86_64"), nil)))
	db, err := Open(path, WithMaxBlobBytes(200))
	require.NoError(t, err)
	defer db.Close()
	pkgs, err := db.Packages(context.Background())
	assert.Equal(t, []string{"small"}, names(pkgs))
	assert.ErrorIs(t, err, ErrLimit)
	assert.Contains(t, err.Error(), "row hnum=1: limit exceeded: header blob of")
}

func TestSQLiteOpenErrors(t *testing.T) {
	tests := []struct {
		name  string
		stmts [][]any
		is    error
		msg   string
	}{
		{"no Packages table", [][]any{stmt(`CREATE TABLE Other (x)`)}, ErrUnknownFormat, "no Packages table"},
		{"Packages is a view", [][]any{stmt(`CREATE VIEW Packages AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x AS hnum, zeroblob(100) AS blob FROM c`)}, ErrUnknownFormat, "Packages is a view"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(sqliteFile(t, tt.stmts...))
			require.Error(t, err)
			assert.Nil(t, db)
			assert.ErrorIs(t, err, tt.is)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
	t.Run("garbage after the magic", func(t *testing.T) {
		b := append([]byte("SQLite format 3\x00"), make([]byte, 8192)...)
		for i := 16; i < len(b); i++ {
			b[i] = byte(i * 7)
		}
		_, err := Open(writeFile(t, "rpmdb.sqlite", b))
		require.Error(t, err)
		assert.ErrorIs(t, err, ErrMalformed)
	})
}

// TestSQLiteReadOnly checks that reading leaves the database and its
// directory exactly as they were: no journal, WAL or lock files, no
// change to the file.
func TestSQLiteReadOnly(t *testing.T) {
	src := sqliteFile(t, stmt(rpmSchema), insert(buildHeader(basic("a", "1", "1", "x86_64"), nil)))
	if d := sharedDataDir(); d != "" {
		src = filepath.Join(d, "cbl-mariner-2.0", "rpmdb.sqlite")
	}
	content, err := os.ReadFile(src)
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "rpmdb.sqlite")
	require.NoError(t, os.WriteFile(path, content, 0o444))
	before, err := os.Stat(path)
	require.NoError(t, err)

	db, err := Open(path)
	require.NoError(t, err)
	pkgs, err := db.Packages(context.Background())
	require.NoError(t, err)
	assert.NotEmpty(t, pkgs)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "files created next to the database while open")
	require.NoError(t, db.Close())

	entries, err = os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "rpmdb.sqlite", entries[0].Name())
	after, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, before.ModTime(), after.ModTime())
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, sha256.Sum256(content), sha256.Sum256(got))
}

func TestSQLiteDSN(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a b?c#d%e")
	require.NoError(t, os.Mkdir(dir, 0o755))
	dsn, err := sqliteDSN(filepath.Join(dir, "rpmdb.sqlite"))
	require.NoError(t, err)
	assert.Contains(t, dsn, "/a%20b%3Fc%23d%25e/rpmdb.sqlite?mode=ro&immutable=1&")

	// A path with URI metacharacters opens the right file.
	src := sqliteFile(t, stmt(rpmSchema), insert(buildHeader(basic("odd", "1", "1", "x86_64"), nil)))
	b, err := os.ReadFile(src)
	require.NoError(t, err)
	path := filepath.Join(dir, "rpmdb.sqlite")
	require.NoError(t, os.WriteFile(path, b, 0o644))
	db, err := Open(path)
	require.NoError(t, err)
	defer db.Close()
	pkgs, err := db.Packages(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"odd"}, names(pkgs))
}

func TestSQLiteCanceled(t *testing.T) {
	db, err := Open(sqliteFile(t, stmt(rpmSchema), insert(buildHeader(basic("a", "1", "1", "x86_64"), nil))))
	require.NoError(t, err)
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = db.Packages(ctx)
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled), err.Error())
}
