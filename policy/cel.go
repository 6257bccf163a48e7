package policy

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"
)

// The CEL input. Field names are those of the cel tags; the package
// documentation lists them.
type celImage struct {
	Repository string            `cel:"repository"`
	Tag        string            `cel:"tag"`
	Digest     string            `cel:"digest"`
	Labels     map[string]string `cel:"labels"`
	Created    time.Time         `cel:"created"`
	Platform   string            `cel:"platform"`
}

type celCounts struct {
	Critical int64 `cel:"critical"`
	High     int64 `cel:"high"`
	Medium   int64 `cel:"medium"`
	Low      int64 `cel:"low"`
	Unknown  int64 `cel:"unknown"`
	All      int64 `cel:"all"`
}

type celSummary struct {
	Critical   int64     `cel:"critical"`
	High       int64     `cel:"high"`
	Medium     int64     `cel:"medium"`
	Low        int64     `cel:"low"`
	Unknown    int64     `cel:"unknown"`
	All        int64     `cel:"all"`
	Fixable    celCounts `cel:"fixable"`
	KEV        int64     `cel:"kev"`
	Suppressed int64     `cel:"suppressed"`
}

type celReport struct {
	Scanned     bool          `cel:"scanned"`
	ScannedAt   time.Time     `cel:"scannedAt"`
	Matched     bool          `cel:"matched"`
	DatabaseAge time.Duration `cel:"databaseAge"`
	Incomplete  []string      `cel:"incomplete"`
	Distro      string        `cel:"distro"`
	DistroVer   string        `cel:"distroVersion"`
	Layers      int64         `cel:"layers"`
	BaseLayers  int64         `cel:"baseLayers"`
	Packages    int64         `cel:"packages"`
	Findings    int64         `cel:"findings"`
}

type celFinding struct {
	ID             string    `cel:"id"`
	Aliases        []string  `cel:"aliases"`
	Package        string    `cel:"package"`
	Version        string    `cel:"version"`
	Type           string    `cel:"type"`
	PURL           string    `cel:"purl"`
	Severity       string    `cel:"severity"`
	FixedVersion   string    `cel:"fixedVersion"`
	Status         string    `cel:"status"`
	Fixable        bool      `cel:"fixable"`
	CVSS           float64   `cel:"cvss"`
	KEV            bool      `cel:"kev"`
	EPSS           float64   `cel:"epss"`
	EPSSPercentile float64   `cel:"epssPercentile"`
	Published      time.Time `cel:"published"`
	Layer          int64     `cel:"layer"`
	AboveBase      bool      `cel:"aboveBase"`
}

type celPackage struct {
	Name      string   `cel:"name"`
	Version   string   `cel:"version"`
	Type      string   `cel:"type"`
	PURL      string   `cel:"purl"`
	Licenses  []string `cel:"licenses"`
	Layer     int64    `cel:"layer"`
	AboveBase bool     `cel:"aboveBase"`
}

// celEnv is the compile environment of policy expressions.
type celEnv struct {
	env *cel.Env
}

func newCELEnv() (*celEnv, error) {
	env, err := cel.NewEnv(
		ext.NativeTypes(
			reflect.TypeFor[celImage](), reflect.TypeFor[celCounts](), reflect.TypeFor[celSummary](),
			reflect.TypeFor[celReport](), reflect.TypeFor[celFinding](), reflect.TypeFor[celPackage](),
			ext.ParseStructTags(true)),
		cel.Variable("image", cel.ObjectType("policy.celImage")),
		cel.Variable("summary", cel.ObjectType("policy.celSummary")),
		cel.Variable("report", cel.ObjectType("policy.celReport")),
		cel.Variable("findings", cel.ListType(cel.ObjectType("policy.celFinding"))),
		cel.Variable("packages", cel.ListType(cel.ObjectType("policy.celPackage"))),
		cel.Variable("now", cel.TimestampType),
		ext.Strings(),
		cel.ParserExpressionSizeLimit(MaxCELBytes),
		cel.ParserRecursionLimit(100),
		cel.DefaultUTCTimeZone(true),
	)
	if err != nil {
		return nil, fmt.Errorf("setting up CEL: %w", err)
	}
	return &celEnv{env: env}, nil
}

// celExpr is a compiled expression.
type celExpr struct {
	src     string
	prg     cel.Program
	timeout time.Duration
}

func (e *celEnv) compile(src string, costLimit uint64, timeout time.Duration) (*celExpr, error) {
	ast, iss := e.env.Compile(src)
	if iss != nil && iss.Err() != nil {
		return nil, fmt.Errorf("%s", strings.ReplaceAll(iss.Err().Error(), "\n", "\n\t"))
	}
	if !ast.OutputType().IsExactType(cel.BoolType) {
		return nil, fmt.Errorf("%q gives %s; a rule's expression must give a bool (true fires the rule)", src, ast.OutputType())
	}
	opts := []cel.ProgramOption{cel.InterruptCheckFrequency(100)}
	if costLimit > 0 {
		opts = append(opts, cel.CostLimit(costLimit))
	}
	prg, err := e.env.Program(ast, opts...)
	if err != nil {
		return nil, err
	}
	return &celExpr{src: src, prg: prg, timeout: timeout}, nil
}

// eval runs the expression; an error means the rule fires (fail closed).
func (x *celExpr) eval(ctx context.Context, act map[string]any) (bool, error) {
	if x.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, x.timeout, fmt.Errorf("the expression ran longer than %s", x.timeout))
		defer cancel()
	}
	out, _, err := x.prg.ContextEval(ctx, act)
	if err != nil {
		return true, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return true, fmt.Errorf("gave %v, not a bool", out)
	}
	return b, nil
}

// celActivation builds the expression input once per evaluation; the
// findings and packages lists are built only if an expression reads them.
func (e *evaluation) celActivation() map[string]any {
	if e.celAct != nil {
		return e.celAct
	}
	rep := e.rep
	img := celImage{Repository: e.img.Repository, Tag: e.img.Tag, Digest: e.img.Digest, Labels: e.img.Labels,
		Created: e.img.Created, Platform: rep.Image.Platform}
	if img.Labels == nil {
		img.Labels = map[string]string{}
	}
	sum := celSummary{
		Critical: int64(e.counts[sevCritical]), High: int64(e.counts[sevHigh]), Medium: int64(e.counts[sevMedium]),
		Low: int64(e.counts[sevLow]), Unknown: int64(e.counts[sevUnknown]),
		Fixable: celCounts{Critical: int64(e.fixable[sevCritical]), High: int64(e.fixable[sevHigh]),
			Medium: int64(e.fixable[sevMedium]), Low: int64(e.fixable[sevLow]), Unknown: int64(e.fixable[sevUnknown])},
		KEV: int64(e.kev), Suppressed: int64(e.suppressed),
	}
	sum.All = sum.Critical + sum.High + sum.Medium + sum.Low + sum.Unknown
	sum.Fixable.All = sum.Fixable.Critical + sum.Fixable.High + sum.Fixable.Medium + sum.Fixable.Low + sum.Fixable.Unknown
	r := celReport{Scanned: e.scanned, ScannedAt: rep.ScannedAt, Matched: rep.Database != nil,
		Layers: int64(len(rep.Layers)), Packages: int64(len(rep.Packages)), Findings: int64(len(rep.Findings)),
		Incomplete: []string{}, BaseLayers: -1, DatabaseAge: -1}
	for _, ie := range rep.Incomplete {
		r.Incomplete = append(r.Incomplete, ie.String())
	}
	if rep.Distro != nil {
		r.Distro, r.DistroVer = rep.Distro.ID, rep.Distro.VersionID
	}
	if db := rep.Database; db != nil && len(db.Sources) > 0 {
		var oldest time.Time
		for _, s := range db.Sources {
			if oldest.IsZero() || s.Updated.Before(oldest) {
				oldest = s.Updated
			}
		}
		if !oldest.IsZero() {
			r.DatabaseAge = e.now.Sub(oldest)
		}
	}
	if !e.baseDone {
		e.resolveBase()
	}
	if e.baseKnown {
		r.BaseLayers = int64(e.baseLayers)
	}
	e.celAct = map[string]any{
		"image":    img,
		"summary":  sum,
		"report":   r,
		"now":      e.now,
		"findings": func() any { return e.celFindings() },
		"packages": func() any { return e.celPackages() },
	}
	return e.celAct
}

func (e *evaluation) aboveBase(idx int) bool {
	if !e.baseDone {
		e.resolveBase()
	}
	return !e.baseKnown || idx >= e.baseLayers
}

func (e *evaluation) celFindings() []celFinding {
	out := make([]celFinding, 0, len(e.rep.Findings)-e.suppressed)
	for i := range e.rep.Findings {
		if e.supp[i] == suppAll {
			continue
		}
		f := &e.rep.Findings[i]
		cf := celFinding{ID: f.ID, Aliases: f.Aliases, Package: f.Package, Version: f.InstalledVersion, Type: f.Type,
			PURL: f.PURL.String(), Severity: f.Severity, FixedVersion: f.FixedVersion, Status: f.Status,
			Fixable: fixable(f), KEV: f.KEV != nil, CVSS: -1, EPSS: -1, EPSSPercentile: -1,
			Layer: int64(f.Layer.Index), AboveBase: e.aboveBase(f.Layer.Index)}
		if cf.Aliases == nil {
			cf.Aliases = []string{}
		}
		if s, ok := maxCVSS(f); ok {
			cf.CVSS = s
		}
		if f.EPSS != nil {
			cf.EPSS, cf.EPSSPercentile = f.EPSS.Score, f.EPSS.Percentile
		}
		if f.Published != nil {
			cf.Published = *f.Published
		}
		out = append(out, cf)
	}
	return out
}

func (e *evaluation) celPackages() []celPackage {
	out := make([]celPackage, 0, len(e.rep.Packages))
	for i := range e.rep.Packages {
		p := &e.rep.Packages[i]
		cp := celPackage{Name: p.Name, Version: p.Version, Type: p.Type, PURL: p.PURL.String(), Licenses: p.Licenses,
			Layer: int64(p.Layer.Index), AboveBase: e.aboveBase(p.Layer.Index)}
		if cp.Licenses == nil {
			cp.Licenses = []string{}
		}
		out = append(out, cp)
	}
	return out
}
