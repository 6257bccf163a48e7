package rpmdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// sqliteParams open the database read-only (mode=ro) and immutable
// (immutable=1: sqlite takes no locks and never looks for or creates a
// journal or WAL file), refuse writes on the connection (query_only), do
// not trust functions used in the schema (trusted_schema off) and check
// b-tree cells as they are read (cell_size_check). modernc.org/sqlite
// passes a "file:" DSN to sqlite3_open_v2 with SQLITE_OPEN_URI, so sqlite
// itself honours mode and immutable; the _pragma values are run by the
// driver on each new connection.
const sqliteParams = "?mode=ro&immutable=1" +
	"&_pragma=query_only(1)&_pragma=trusted_schema(0)&_pragma=cell_size_check(1)"

// sqliteDSN returns the read-only URI for the database file at path.
func sqliteDSN(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	return u.String() + sqliteParams, nil
}

// openSQLite opens db.path and checks that it has rpm's Packages table.
func (db *DB) openSQLite() error {
	dsn, err := sqliteDSN(db.path)
	if err != nil {
		return fmt.Errorf("rpmdb: %w", err)
	}
	s, err := sql.Open("sqlite", dsn)
	if err != nil {
		return fmt.Errorf("rpmdb: sqlite: %w", err)
	}
	s.SetMaxOpenConns(1)
	// rpm's schema: CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY
	// AUTOINCREMENT, blob BLOB NOT NULL). Only a real table is read: a view
	// of the same name could compute rows without end.
	var typ string
	err = s.QueryRow(`SELECT type FROM sqlite_master WHERE name = 'Packages'`).Scan(&typ)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = fmt.Errorf("rpmdb: sqlite: %w: no Packages table", ErrUnknownFormat)
	case err != nil:
		err = fmt.Errorf("rpmdb: sqlite: %w: %w", ErrMalformed, err)
	case typ != "table":
		err = fmt.Errorf("rpmdb: sqlite: %w: Packages is a %s, not a table", ErrUnknownFormat, typ)
	}
	if err != nil {
		s.Close()
		return err
	}
	db.sql = s
	return nil
}

// readSQLite reads every row of the Packages table. Blobs over the blob
// limit are measured but not loaded.
func (db *DB) readSQLite(ctx context.Context, c *collector) error {
	rows, err := db.sql.QueryContext(ctx,
		`SELECT hnum, octet_length(blob), CASE WHEN octet_length(blob) <= ? THEN blob END FROM Packages`,
		c.o.maxBlobBytes)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("rpmdb: sqlite: %w", ctx.Err())
		}
		return fmt.Errorf("rpmdb: sqlite: query Packages: %w: %w", ErrMalformed, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			hnum sql.NullInt64
			n    sql.NullInt64
			blob []byte
		)
		if err := rows.Scan(&hnum, &n, &blob); err != nil {
			return fmt.Errorf("rpmdb: sqlite: Packages row after %d rows: %w: %w", c.records, ErrMalformed, err)
		}
		where := fmt.Sprintf("sqlite Packages row hnum=%d", hnum.Int64)
		if !n.Valid {
			if _, fatal := c.reserve(where, 0); fatal != nil {
				return fatal
			}
			c.fail(where, malformed("blob is NULL"))
			continue
		}
		ok, fatal := c.reserve(where, n.Int64)
		if fatal != nil {
			return fatal
		}
		if !ok {
			continue
		}
		if fatal := c.add(where, blob); fatal != nil {
			return fatal
		}
	}
	if err := rows.Err(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("rpmdb: sqlite: %w", ctx.Err())
		}
		return fmt.Errorf("rpmdb: sqlite: reading Packages: %w: %w", ErrMalformed, err)
	}
	return nil
}
