//go:build !unix

package osv

import "time"

// cpuTime is unknown here; the per-CPU-second metric is then not reported.
func cpuTime() time.Duration { return 0 }
