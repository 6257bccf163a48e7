package epss

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

// stats is what parse learnt of the file.
type stats struct {
	model   string // "v2025.03.14"
	date    string // "2025-03-16"
	rows    int
	emitted int
}

// columns are the positions of the CSV's columns; percentile is -1 when
// the header has none (early EPSS files).
type columns struct {
	cve, score, percentile, n int
}

// parse reads an EPSS CSV from r, named name in errors: an optional
// "#model_version:…,score_date:…" line, the header "cve,epss,percentile"
// (columns found by name), then one row per CVE. It emits one record per
// good row and skips and counts the others. An error from emit is
// returned as is.
func parse(ctx context.Context, r io.Reader, name string, sk *feedinput.SkipLog, emit func(vulndb.Vulnerability) error) (stats, error) {
	var st stats
	lr := lineReader{br: bufio.NewReaderSize(r, 64<<10)}
	line, err := lr.next()
	if err != nil {
		return st, fmt.Errorf("epss: %s: line %d: %w", name, lr.n, err)
	}
	line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	if len(line) > 0 && line[0] == '#' {
		st.model, st.date = readMeta(line[1:])
		if line, err = lr.next(); err != nil {
			return st, fmt.Errorf("epss: %s: line %d: %w", name, lr.n, err)
		}
	}
	cols, err := readHeader(line)
	if err != nil {
		return st, fmt.Errorf("epss: %s: line %d: %w", name, lr.n, err)
	}
	var fields [][]byte
	for {
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, errLongLine) {
			st.rows++
			sk.Add("line too long", fmt.Sprintf("line %d", lr.n))
			continue
		}
		if err != nil {
			return st, fmt.Errorf("epss: %s: line %d: %w", name, lr.n, err)
		}
		if len(line) == 0 {
			continue
		}
		st.rows++
		if st.rows%4096 == 0 && ctx.Err() != nil {
			return st, ctx.Err()
		}
		fields = split(line, fields[:0])
		if len(fields) != cols.n {
			sk.Add("wrong number of columns", fmt.Sprintf("line %d", lr.n))
			continue
		}
		id := bytes.TrimSpace(fields[cols.cve])
		if !validCVE(id) {
			sk.Add("invalid CVE ID", fmt.Sprintf("line %d: %q", lr.n, feedinput.Clip(string(id), 32)))
			continue
		}
		score, ok := probability(fields[cols.score])
		if !ok {
			sk.Add("score not a number in [0,1]", fmt.Sprintf("line %d: %q", lr.n, feedinput.Clip(string(fields[cols.score]), 32)))
			continue
		}
		var pct float64
		if cols.percentile >= 0 {
			if pct, ok = probability(fields[cols.percentile]); !ok {
				sk.Add("percentile not a number in [0,1]", fmt.Sprintf("line %d: %q", lr.n, feedinput.Clip(string(fields[cols.percentile]), 32)))
				continue
			}
		}
		v := vulndb.Vulnerability{ID: string(id), EPSS: &vulndb.EPSS{Score: score, Percentile: pct, Date: st.date}}
		if err := emit(v); err != nil {
			return st, err
		}
		st.emitted++
	}
	if st.emitted == 0 {
		return st, fmt.Errorf("epss: %s: no usable row; refusing to replace the scores with nothing", name)
	}
	return st, nil
}

// readMeta reads "model_version:v2025.03.14,score_date:2025-03-16T00:00:00+0000".
// The date is kept as YYYY-MM-DD; parts it cannot read are left empty.
func readMeta(b []byte) (model, date string) {
	for _, part := range bytes.Split(b, []byte(",")) {
		k, v, ok := bytes.Cut(part, []byte(":"))
		if !ok {
			continue
		}
		switch string(bytes.TrimSpace(k)) {
		case "model_version":
			model = feedinput.Clip(string(bytes.TrimSpace(v)), 64)
		case "score_date":
			v = bytes.TrimSpace(v)
			if len(v) >= 10 {
				if _, err := time.Parse(time.DateOnly, string(v[:10])); err == nil {
					date = string(v[:10])
				}
			}
		}
	}
	return model, date
}

// readHeader finds the columns by name.
func readHeader(line []byte) (columns, error) {
	c := columns{cve: -1, score: -1, percentile: -1}
	fields := split(line, nil)
	c.n = len(fields)
	for i, f := range fields {
		switch string(bytes.ToLower(bytes.TrimSpace(f))) {
		case "cve":
			c.cve = i
		case "epss":
			c.score = i
		case "percentile":
			c.percentile = i
		}
	}
	if c.cve < 0 || c.score < 0 {
		return c, fmt.Errorf("not an EPSS header (want cve,epss,percentile): %q", feedinput.Clip(string(line), 80))
	}
	return c, nil
}

// split cuts a CSV line at commas; EPSS files quote nothing.
func split(line []byte, dst [][]byte) [][]byte {
	for {
		i := bytes.IndexByte(line, ',')
		if i < 0 {
			return append(dst, line)
		}
		dst = append(dst, line[:i])
		line = line[i+1:]
	}
}

// probability parses a number in [0,1].
func probability(b []byte) (float64, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || len(b) > 32 {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
		return 0, false
	}
	return f, true
}

// validCVE matches CVE-YYYY-NNNN with 4 to 19 digits.
func validCVE(b []byte) bool {
	if len(b) < 13 || len(b) > 28 || string(b[:4]) != "CVE-" || b[8] != '-' {
		return false
	}
	for i, c := range b[4:] {
		if i == 4 {
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// errLongLine is the error of a line longer than MaxLineBytes.
var errLongLine = errors.New("line too long")

// lineReader reads lines without their end (LF or CRLF), bounded to
// MaxLineBytes; n is the number of the line last read.
type lineReader struct {
	br *bufio.Reader
	n  int
}

func (l *lineReader) next() ([]byte, error) {
	l.n++
	line, err := l.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) || len(line) > MaxLineBytes {
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = l.br.ReadSlice('\n')
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		return nil, errLongLine
	}
	if errors.Is(err, io.EOF) {
		if len(line) == 0 {
			return nil, io.EOF
		}
		err = nil
	}
	if err != nil {
		return nil, err
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	return line, nil
}
