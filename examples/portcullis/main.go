// Command portcullis is the reference command line for the Portcullis
// library: it scans container images layer by layer and matches what they
// hold against the vulnerability database.
//
//	portcullis [--db DIR] [--offline] COMMAND ...
//	portcullis scan [--format table|json|cyclonedx|spdx|sarif] [--output FILE] [--fail-on SEVERITY]
//	                [--ignore-unfixed] [--no-vulns] [--platform OS/ARCH|all] IMAGE
//	portcullis db update [--source NAME]...
//	portcullis db import KIND PATH      # KIND: osv, nvd, debian, alpine, kev, epss
//	portcullis db status
//	portcullis policy check --policy FILE (IMAGE | --report REPORT.json)
//	portcullis policy test DIR
//	portcullis promote --policy FILE [--dry-run] [--tag TEMPLATE] [--no-clobber] [--evidence] SOURCE TARGET
//	portcullis promote --rules FILE [--dry-run]
//	portcullis promote history [--repository REPO] [--outcome OUTCOME]
//
// IMAGE is a registry reference ("registry:REF" or a bare REF), an OCI
// layout ("oci-dir:PATH[:TAG|@DIGEST]"), a docker save archive
// ("docker-archive:PATH") or an unpacked root filesystem ("dir:PATH").
//
// Exit codes: 0 success, 1 the gate said no, 2 usage or input error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// Exit codes.
const (
	exitOK    = 0
	exitGate  = 1
	exitUsage = 2
)

// usageError is an error in how the command was called.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// gateError is a "no" from a gate (--fail-on, a policy).
type gateError struct{ msg string }

func (e gateError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// globals are the flags every command takes.
type globals struct {
	db      string
	offline bool
}

// register adds the global flags to a command's flag set, with the values
// already parsed (before the command) as defaults.
func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.db, "db", g.db, "directory of the vulnerability database")
	fs.BoolVar(&g.offline, "offline", g.offline, "never use the network for vulnerability data")
}

func defaultDBPath() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "portcullis-db"
	}
	return dir + "/portcullis/db"
}

const usage = `usage: portcullis [--db DIR] [--offline] COMMAND ...

commands:
  scan IMAGE              inventory an image layer by layer and match it against the database
  db update               download the vulnerability feeds into the database
  db import KIND PATH     import a feed from a file or directory (osv, nvd, debian, alpine, kev, epss)
  db status               list the feeds in the database
  policy check            decide whether an image (or a stored report) may move on
  policy test DIR         run a directory of policy test cases
  promote SOURCE TARGET   copy an image to another repository or registry if a policy allows it
  promote --rules FILE    apply every promotion rule of a file to every tag it selects
  promote history         list the recorded promotions and denials

IMAGE is registry:REF (or a bare REF), oci-dir:PATH[:TAG|@DIGEST], docker-archive:PATH or dir:PATH.
Run "portcullis COMMAND -h" for a command's flags.`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globals{db: defaultDBPath()}
	top := flag.NewFlagSet("portcullis", flag.ContinueOnError)
	top.SetOutput(stderr)
	top.Usage = func() { fmt.Fprintln(stderr, usage) }
	g.register(top)
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	args = top.Args()
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "scan":
		err = runScan(ctx, g, args[1:], stdout, stderr)
	case "db":
		err = runDB(ctx, g, args[1:], stdout, stderr)
	case "policy":
		err = runPolicy(ctx, g, args[1:], stdout, stderr)
	case "promote":
		err = runPromote(ctx, g, args[1:], stdout, stderr)
	case "help":
		fmt.Fprintln(stdout, usage)
		return exitOK
	default:
		err = usageError{fmt.Sprintf("unknown command %q\n%s", args[0], usage)}
	}
	var ue usageError
	var ge gateError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ge):
		fmt.Fprintln(stderr, "portcullis:", err)
		return exitGate
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "portcullis:", err)
		return exitUsage
	default:
		fmt.Fprintln(stderr, "portcullis:", err)
		return exitUsage
	}
}
