package boltstore_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/boltstore"
	"github.com/portcullis-oci/portcullis/vulndb/storetest"
)

// The test binary doubles as the helper process of the multi-process
// tests: with helperEnv set, TestMain runs the helper instead of the tests.
const (
	helperEnv   = "BOLTSTORE_TEST_HELPER" // "hold", "hold-ro" or "update"
	helperDBEnv = "BOLTSTORE_TEST_DB"
)

// Corpora of the crash test: what the store holds before, and the
// snapshot the killed update writes.
var (
	crashOld = storetest.NewCorpus(11, 4000)
	crashNew = storetest.NewCorpus(12, 30000)
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		if err := helper(mode, os.Getenv(helperDBEnv)); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	cleanupBench()
	os.Exit(code)
}

// helper opens the database and says "ready" on stdout. "hold" and
// "hold-ro" then keep it open until stdin closes; "update" replaces the
// feed with crashNew, saying "committing" when the update function returns
// and "committed" when the update has returned, then waits for stdin.
func helper(mode, path string) error {
	ctx := context.Background()
	var opts []boltstore.Option
	if mode == "hold-ro" {
		opts = append(opts, boltstore.WithReadOnly())
	}
	s, err := boltstore.Open(ctx, path, opts...)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Println("ready")
	if mode == "update" {
		err := s.Update(ctx, "feed", true, func(tx vulndb.Tx) error {
			for v := range crashNew.All() {
				if err := tx.Put(v); err != nil {
					return err
				}
			}
			fmt.Println("committing")
			return nil
		})
		if err != nil {
			return err
		}
		fmt.Println("committed")
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// child is a running helper process.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
}

func startHelper(t *testing.T, mode, path string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, helperDBEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	c := &child{cmd: cmd, stdin: stdin, lines: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	t.Cleanup(func() {
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
	})
	c.expect(t, "ready")
	return c
}

// expect waits for the helper to print want.
func (c *child) expect(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case line, ok := <-c.lines:
			require.True(t, ok, "helper exited before saying %q", want)
			if line == want {
				return
			}
		case <-timeout:
			t.Fatalf("helper did not say %q", want)
		}
	}
}

// stop closes the helper's stdin and waits for it to exit cleanly.
func (c *child) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, c.stdin.Close())
	require.NoError(t, c.cmd.Wait())
}

func newDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vuln.db")
	s, err := boltstore.Open(t.Context(), path)
	require.NoError(t, err)
	require.NoError(t, s.Update(t.Context(), "feed", false, func(tx vulndb.Tx) error {
		return tx.Put(vulndb.Vulnerability{ID: "A1"})
	}))
	require.NoError(t, s.Close())
	return path
}

func TestWriterInAnotherProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := newDB(t)
	c := startHelper(t, "hold", path)

	for _, opts := range [][]boltstore.Option{nil, {boltstore.WithReadOnly()}} {
		start := time.Now()
		_, err := boltstore.Open(t.Context(), path, append(opts, boltstore.WithTimeout(300*time.Millisecond))...)
		waited := time.Since(start)
		require.ErrorIs(t, err, boltstore.ErrLocked)
		assert.ErrorContains(t, err, "another process holds the database")
		assert.ErrorContains(t, err, path)
		assert.GreaterOrEqual(t, waited, 250*time.Millisecond)
		assert.Less(t, waited, 3*time.Second)
	}

	// Once the writer exits, the store opens, with its data.
	c.stop(t)
	s, err := boltstore.Open(t.Context(), path, boltstore.WithTimeout(0))
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Get(t.Context(), "A1")
	require.NoError(t, err)
}

func TestReadersInSeveralProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := newDB(t)
	c1 := startHelper(t, "hold-ro", path)
	c2 := startHelper(t, "hold-ro", path)

	s, err := boltstore.Open(t.Context(), path, boltstore.WithReadOnly(), boltstore.WithTimeout(0))
	require.NoError(t, err, "read-only opens share the lock")
	got, err := s.Get(t.Context(), "A1")
	require.NoError(t, err)
	assert.Len(t, got, 1)
	require.NoError(t, s.Close())

	_, err = boltstore.Open(t.Context(), path, boltstore.WithTimeout(200*time.Millisecond))
	require.ErrorIs(t, err, boltstore.ErrLocked, "a writer waits for the readers")

	c1.stop(t)
	c2.stop(t)
	s, err = boltstore.Open(t.Context(), path, boltstore.WithTimeout(0))
	require.NoError(t, err)
	require.NoError(t, s.Close())
}

// TestKilledWriter kills a process in the middle of replacing a source
// (while it puts records, and at several moments during the commit, when
// bbolt writes pages and the meta page) and checks that the file opens,
// passes Check, and holds either the whole old or the whole new data.
func TestKilledWriter(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	base := filepath.Join(dir, "base.db")
	s, err := boltstore.Open(t.Context(), base)
	require.NoError(t, err)
	importCorpus(t, s, "feed", crashOld)
	require.NoError(t, s.Close())
	good, err := os.ReadFile(base)
	require.NoError(t, err)

	oldKeys := crashOld.Keys(1, 200, 0.9)
	newKeys := crashNew.Keys(1, 200, 0.9)
	wantOld, wantNew := expect(crashOld, oldKeys), expect(crashNew, newKeys)

	// Kill while fn runs, then at growing delays after it returned (the
	// last ones after the commit), then at delays after the file started
	// to grow: bbolt grows the file just before it writes the new pages,
	// syncs, and writes the meta page that makes them current.
	type kill struct {
		after string // "", "committing" or "grow"
		delay time.Duration
	}
	var kills []kill
	kills = append(kills, kill{"", 50 * time.Millisecond})
	for _, d := range []time.Duration{0, 5, 20, 80, 160, 320, 640} {
		kills = append(kills, kill{"committing", d * time.Millisecond})
	}
	for _, d := range []time.Duration{0, 1, 3, 6, 10, 20, 40, 80} {
		kills = append(kills, kill{"grow", d * time.Millisecond})
	}
	outcomes := map[string]int{}
	var log []string
	for i, k := range kills {
		path := filepath.Join(dir, fmt.Sprintf("crash%d.db", i))
		require.NoError(t, os.WriteFile(path, good, 0o644))
		c := startHelper(t, "update", path)
		switch k.after {
		case "committing":
			c.expect(t, "committing")
		case "grow":
			c.expect(t, "committing")
			waitGrowth(t, path, int64(len(good)))
		}
		time.Sleep(k.delay)
		require.NoError(t, c.cmd.Process.Signal(syscall.SIGKILL))
		_ = c.cmd.Wait()
		committed := false
		for line := range c.lines {
			committed = committed || line == "committed"
		}

		s, err := boltstore.Open(t.Context(), path, boltstore.WithTimeout(0))
		require.NoError(t, err, "kill %+v", k)
		require.NoError(t, s.Check(t.Context()), "kill %+v", k)
		infos, err := s.Sources(t.Context())
		require.NoError(t, err)
		require.Len(t, infos, 1)
		switch infos[0].Records {
		case crashOld.Len():
			require.False(t, committed, "the update had committed, but the old data is there")
			assert.Equal(t, wantOld, ids(t, s, oldKeys))
			outcomes["old"]++
			log = append(log, fmt.Sprintf("%s+%v:old", k.after, k.delay))
		case crashNew.Len():
			assert.Equal(t, wantNew, ids(t, s, newKeys))
			outcomes["new"]++
			log = append(log, fmt.Sprintf("%s+%v:new", k.after, k.delay))
		default:
			t.Fatalf("kill %+v: %d records, neither the old %d nor the new %d", k, infos[0].Records, crashOld.Len(), crashNew.Len())
		}
		require.NoError(t, s.Close())
	}
	t.Logf("kills (event+delay: data found after): %v", log)
	assert.NotZero(t, outcomes["old"], "no kill landed before the commit finished")
}

// waitGrowth waits until the file at path is larger than size.
func waitGrowth(t *testing.T, path string, size int64) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if fi, err := os.Stat(path); err == nil && fi.Size() > size {
			return
		}
		time.Sleep(200 * time.Microsecond)
	}
	t.Fatal("the file never grew")
}
