package policy

import (
	"io/fs"
	"time"
)

// Defaults.
const (
	// DefaultMaxEvidence is how many findings or packages a reason or
	// suppression lists before it only counts the rest.
	DefaultMaxEvidence = 20
	// DefaultMaxDatabaseAge is how old a vulnerability source may be before
	// a Rules policy denies, unless it sets settings.maxDatabaseAge or
	// settings.allowStaleDatabase.
	DefaultMaxDatabaseAge = 7 * 24 * time.Hour
	// DefaultCELTimeout bounds the time one CEL expression may run; an
	// expression that runs longer fails, and its rule fires.
	DefaultCELTimeout = time.Second
)

// Limits on what Load reads.
const (
	// MaxPolicyBytes bounds a policy document.
	MaxPolicyBytes = 4 << 20
	// MaxVEXBytes bounds an OpenVEX document.
	MaxVEXBytes = 16 << 20
	// MaxCELBytes bounds one CEL expression.
	MaxCELBytes = 16 << 10
)

// Option configures [Load] and [LoadFile].
type Option func(*options)

type options struct {
	maxEvidence  int
	vex          []*VEXDocument
	fsys         fs.FS
	celCostLimit uint64
	celTimeout   time.Duration
}

// WithMaxEvidence sets how many findings or packages each reason and
// suppression lists; the rest are counted in Omitted. n <= 0 lists them
// all. The default is [DefaultMaxEvidence].
func WithMaxEvidence(n int) Option {
	return func(o *options) { o.maxEvidence = n }
}

// WithVEX adds OpenVEX documents to those the policy names in its vex
// list; they apply to every image the policy evaluates. The default is
// none.
func WithVEX(docs ...*VEXDocument) Option {
	return func(o *options) { o.vex = append(o.vex, docs...) }
}

// WithFS sets where the files the policy names (its vex list) are read
// from, as slash-separated paths relative to fsys. The default is the
// operating system's file system, relative to the directory of the name
// given to Load (the policy file's directory for LoadFile).
func WithFS(fsys fs.FS) Option {
	return func(o *options) { o.fsys = fsys }
}

// WithCELCostLimit bounds each CEL expression evaluation by cel-go's cost
// units as well as by time: deterministic, but cel-go's cost tracking
// makes long comprehensions (findings.exists over thousands of findings)
// many times slower. 0 turns it off. The default is 0.
func WithCELCostLimit(limit uint64) Option {
	return func(o *options) { o.celCostLimit = limit }
}

// WithCELTimeout bounds the time each CEL expression evaluation may take;
// d <= 0 leaves only the caller's context. The default is
// [DefaultCELTimeout].
func WithCELTimeout(d time.Duration) Option {
	return func(o *options) { o.celTimeout = d }
}
