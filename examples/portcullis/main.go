// Command portcullis is the reference command line for the Portcullis
// library: it scans container images layer by layer.
//
//	portcullis scan [--format table|json] [--output FILE] [--no-vulns] [--platform OS/ARCH] IMAGE
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

func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.db, "db", defaultDBPath(), "path of the vulnerability database")
	fs.BoolVar(&g.offline, "offline", false, "never use the network for vulnerability data")
}

func defaultDBPath() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "portcullis-db"
	}
	return dir + "/portcullis/db"
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: portcullis COMMAND [FLAGS] ...\n\ncommands:\n  scan    inventory an image layer by layer")
		return exitUsage
	}
	var err error
	switch args[0] {
	case "scan":
		err = runScan(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, "usage: portcullis scan [--format table|json] [--output FILE] [--no-vulns] [--platform OS/ARCH] IMAGE")
		return exitOK
	default:
		err = usageError{fmt.Sprintf("unknown command %q", args[0])}
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
