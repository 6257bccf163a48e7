// Command promoter is a promotion server. It receives push events from a
// CNCF Distribution registry (its notifications) or from Harbor (its
// webhooks), and promotes each pushed image that a rule of its rules file
// selects, when the rule's policy allows it; it can also poll the rules'
// source repositories. Every promotion and denial is recorded in the
// vulnerability database, whose feeds the images are matched against.
//
//	promoter --rules FILE [--db DIR] [--listen ADDR] [--poll INTERVAL]
//
// Endpoints:
//
//	POST /events    Distribution notifications and Harbor webhooks
//	GET  /records   the promotion history, newest first (JSON; ?repository=, ?outcome=, ?limit=)
//	GET  /healthz   200 once serving
//
// When the environment variable named by --auth-env (default
// PORTCULLIS_PROMOTER_AUTH) is set, requests must carry it as their
// Authorization header (a Distribution endpoint's "headers", Harbor's
// "auth header"); it is read from the environment so that it never shows in
// a process list.
//
// Registry credentials come from the Docker configuration
// ($DOCKER_CONFIG/config.json or ~/.docker/config.json, as `docker login`
// writes it, credential helpers included); registries on loopback
// addresses are reached over plain HTTP.
//
// A Distribution registry configured to notify it:
//
//	notifications:
//	  endpoints:
//	    - name: portcullis
//	      url: http://127.0.0.1:8088/events
//	      headers: {Authorization: ["Bearer <the secret>"]}
//	      timeout: 5s
//	      ignore: {mediatypes: [application/octet-stream], actions: [pull]}
package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/portcullis-oci/portcullis/promote"
	"github.com/portcullis-oci/portcullis/promote/rules"
	"github.com/portcullis-oci/portcullis/promote/trigger"
	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/boltstore"
)

// config is what the server is started with.
type config struct {
	rulesFile string
	dbDir     string
	listen    string
	poll      time.Duration
	auth      string // the Authorization header requests must carry; "" for none
	workers   int
	logger    *slog.Logger
	// ready is called with the address once the server listens.
	ready func(addr string)
}

// dbFile is the database file inside --db, the one `portcullis db` fills.
const dbFile = "portcullis.db"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := parseArgs(os.Args[1:], os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "promoter:", err)
		os.Exit(2)
	}
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "promoter:", err)
		os.Exit(1)
	}
}

func defaultDBDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "portcullis-db"
	}
	return filepath.Join(dir, "portcullis", "db")
}

// parseArgs reads the flags and the environment.
func parseArgs(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("promoter", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := config{}
	fs.StringVar(&cfg.rulesFile, "rules", "", "the promotion rules file (YAML or JSON); required")
	fs.StringVar(&cfg.dbDir, "db", defaultDBDir(), "directory of the vulnerability database (records are kept there too)")
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:8088", "address to serve on")
	fs.DurationVar(&cfg.poll, "poll", 0, "also poll the rules' source repositories this often (0: only on events)")
	fs.IntVar(&cfg.workers, "workers", 2, "promotions run at once")
	authEnv := fs.String("auth-env", "PORTCULLIS_PROMOTER_AUTH", "environment variable holding the Authorization header requests must carry")
	verbose := fs.Bool("v", false, "log every event and promotion")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if cfg.rulesFile == "" || fs.NArg() != 0 {
		fs.Usage()
		return cfg, errors.New("--rules FILE is required, and nothing else")
	}
	if cfg.workers < 1 {
		return cfg, fmt.Errorf("--workers %d: want at least 1", cfg.workers)
	}
	cfg.auth = os.Getenv(*authEnv)
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	cfg.logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	return cfg, nil
}

// run serves until ctx ends, then stops taking events and waits (up to
// half a minute) for the promotions under way.
func run(ctx context.Context, cfg config) error {
	log := cfg.logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	set, err := rules.LoadFile(cfg.rulesFile)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.dbDir, 0o755); err != nil {
		return err
	}
	st, err := boltstore.Open(ctx, filepath.Join(cfg.dbDir, dbFile))
	if err != nil {
		return err
	}
	defer st.Close()
	matcher, err := vulndb.NewMatcher(st)
	if err != nil {
		return err
	}
	recorder := promote.NewStoreRecorder(st, 0)
	p, err := promote.New(
		promote.WithMatcher(matcher),
		promote.WithReportStore(promote.NewStoreReports(st)),
		promote.WithRecorder(recorder),
		promote.WithLogger(log),
	)
	if err != nil {
		return err
	}

	hopts := []trigger.Option{trigger.WithLogger(log), trigger.WithWorkers(cfg.workers)}
	if cfg.auth != "" {
		hopts = append(hopts, trigger.WithAuthorization(cfg.auth))
	}
	events := trigger.NewHandler(p, set, hopts...)
	mux := http.NewServeMux()
	mux.Handle("/events", events)
	mux.Handle("GET /records", authorized(cfg.auth, recordsHandler(recorder)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })

	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, MaxHeaderBytes: 64 << 10}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("promoter listening", "addr", ln.Addr().String(), "rules", len(set.Rules), "db", st.Path(), "poll", cfg.poll)
	if cfg.ready != nil {
		cfg.ready(ln.Addr().String())
	}

	pollDone := make(chan error, 1)
	if cfg.poll > 0 {
		// A denied image is decided again when a feed was updated: its
		// stored report is matched again by the promoter.
		poller := trigger.NewPoller(p, set, trigger.WithPollLogger(log), trigger.WithRecheckDenied(func(ctx context.Context) (string, error) {
			return feedsStamp(ctx, st)
		}))
		go func() { pollDone <- poller.Run(ctx, cfg.poll) }()
	} else {
		pollDone <- nil
	}

	select {
	case err = <-served:
	case <-ctx.Done():
	}
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_ = srv.Shutdown(stopCtx)
	if cerr := events.Close(stopCtx); cerr != nil {
		log.Warn("promotions still running at shutdown", "err", cerr)
	}
	if perr := <-pollDone; perr != nil && !errors.Is(perr, context.Canceled) {
		err = errors.Join(err, perr)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// feedsStamp names the state of the database's feeds: it changes when one
// is updated, added or removed.
func feedsStamp(ctx context.Context, l vulndb.SourceLister) (string, error) {
	sources, err := l.Sources(ctx)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, s := range sources {
		fmt.Fprintf(&b, "%s@%s;", s.Name, s.Updated.UTC().Format(time.RFC3339Nano))
	}
	return b.String(), nil
}

// authorized requires the Authorization header to be auth (when set).
func authorized(auth string, next http.Handler) http.Handler {
	if auth == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte(auth)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// recordsHandler serves the promotion history as JSON.
func recordsHandler(l promote.RecordLister) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		f := promote.RecordFilter{Repository: q.Get("repository"), Digest: q.Get("digest"), Outcome: promote.Outcome(q.Get("outcome"))}
		if s := q.Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > promote.DefaultRecordLimit {
				http.Error(w, fmt.Sprintf("limit %q: want 1 to %d", s, promote.DefaultRecordLimit), http.StatusBadRequest)
				return
			}
			f.Limit = n
		}
		recs, err := l.Records(r.Context(), f)
		if err != nil {
			http.Error(w, "reading the records failed", http.StatusInternalServerError)
			return
		}
		if recs == nil {
			recs = []promote.Record{}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(recs)
	}
}
