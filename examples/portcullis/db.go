package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/boltstore"
)

// dbFile is the database file inside the --db directory.
const dbFile = "portcullis.db"

// openDB opens the database in dir; readOnly opens share it with other
// readers. A missing database is reported with what to do about it.
func openDB(ctx context.Context, dir string, readOnly bool) (*boltstore.Store, error) {
	path := filepath.Join(dir, dbFile)
	if readOnly {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no vulnerability database at %s: run `portcullis db update` (or `portcullis db import KIND PATH` offline), or scan with --no-vulns", path)
		}
		return boltstore.Open(ctx, path, boltstore.WithReadOnly())
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the database directory: %w", err)
	}
	return boltstore.Open(ctx, path)
}

func runDB(ctx context.Context, g *globals, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"db needs a subcommand: update, import or status"}
	}
	switch args[0] {
	case "status":
		return runDBStatus(ctx, g, args[1:], stdout, stderr)
	case "import":
		return runDBImport(ctx, g, args[1:], stdout, stderr)
	case "update":
		return runDBUpdate(ctx, g, args[1:], stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown db subcommand %q (want update, import or status)", args[0])}
}

func runDBStatus(ctx context.Context, g *globals, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("db status", g, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{"db status takes no arguments"}
	}
	st, err := openDB(ctx, g.db, true)
	if err != nil {
		return err
	}
	defer st.Close()
	srcs, err := st.Sources(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Database: %s\n", filepath.Join(g.db, dbFile))
	if len(srcs) == 0 {
		fmt.Fprintln(stdout, "No feeds imported yet.")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tRECORDS\tSKIPPED\tUPDATED\tCHECKED")
	for _, s := range srcs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", s.Name, s.Records, s.Skipped, stamp(s.Updated), stamp(s.Checked))
	}
	return tw.Flush()
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func runDBImport(ctx context.Context, g *globals, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("db import", g, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageError{"usage: portcullis db import KIND PATH (KIND: " + strings.Join(importKinds(), ", ") + ")"}
	}
	kind, path := fs.Arg(0), fs.Arg(1)
	if _, err := os.Stat(path); err != nil {
		return usageError{fmt.Sprintf("db import %s: %v", kind, err)}
	}
	src, err := localSource(kind, path, logger(stderr))
	if err != nil {
		return err
	}
	st, err := openDB(ctx, g.db, false)
	if err != nil {
		return err
	}
	defer st.Close()
	return update(ctx, st, src, stdout)
}

func runDBUpdate(ctx context.Context, g *globals, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("db update", g, stderr)
	var only multiFlag
	fs.Var(&only, "source", "update only this feed (repeatable); the default is every feed: "+strings.Join(remoteNames(), ", "))
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{"db update takes no arguments"}
	}
	if g.offline {
		return usageError{"db update downloads feeds and --offline forbids the network; use `portcullis db import KIND PATH`"}
	}
	srcs, err := remoteSources(logger(stderr), os.Getenv("NVD_API_KEY"))
	if err != nil {
		return err
	}
	if len(only) > 0 {
		var picked []vulndb.VulnSource
		for _, name := range only {
			found := false
			for _, s := range srcs {
				if s.Name() == name {
					picked, found = append(picked, s), true
				}
			}
			if !found {
				return usageError{fmt.Sprintf("--source %q: unknown feed (known: %s)", name, strings.Join(remoteNames(), ", "))}
			}
		}
		srcs = picked
	}
	st, err := openDB(ctx, g.db, false)
	if err != nil {
		return err
	}
	defer st.Close()
	var failed []string
	for _, src := range srcs {
		if err := update(ctx, st, src, stdout); err != nil {
			if ctx.Err() != nil {
				return err
			}
			fmt.Fprintf(stderr, "portcullis: %s: %v\n", src.Name(), err)
			failed = append(failed, src.Name())
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d feeds failed (%s); the data they had before is kept", len(failed), len(srcs), strings.Join(failed, ", "))
	}
	return nil
}

// update runs one feed into the store and says what happened.
func update(ctx context.Context, st vulndb.UpdateStore, src vulndb.VulnSource, stdout io.Writer) error {
	start := time.Now()
	info, err := vulndb.Update(ctx, st, src, nil)
	switch {
	case errors.Is(err, vulndb.ErrUnchanged):
		fmt.Fprintf(stdout, "%-16s unchanged (%d records)\n", src.Name(), info.Records)
		return nil
	case err != nil:
		return err
	}
	fmt.Fprintf(stdout, "%-16s %d records in %s", src.Name(), info.Records, time.Since(start).Round(time.Millisecond))
	if info.Skipped > 0 {
		fmt.Fprintf(stdout, ", %d skipped", info.Skipped)
		if len(info.SkippedReasons) > 0 {
			fmt.Fprintf(stdout, " (%s)", strings.Join(firstN(info.SkippedReasons, 3), "; "))
		}
	}
	fmt.Fprintln(stdout)
	return nil
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("%d more", len(s)-n))
	}
	return s
}

// logger logs warnings to stderr.
func logger(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// newFlagSet returns a flag set with the global flags.
func newFlagSet(name string, g *globals, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	g.register(fs)
	return fs
}

// parseFlags parses, turning flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}
