package osv

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// producer reads files and archives and hands their records, one by one
// and in order, to the decoding workers.
type producer struct {
	s       *Source
	ctx     context.Context
	submit  func(*task) error
	records int
}

func isRecordFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json", ".yaml", ".yml":
		return true
	}
	return false
}

func isYAML(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// local reads a directory tree, a zip archive or a single file.
func (p *producer) local(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("osv: %w", err)
	}
	switch {
	case fi.IsDir():
		return p.dir(path)
	case strings.EqualFold(filepath.Ext(path), ".zip"):
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("osv: %w", err)
		}
		defer f.Close()
		return p.zip(path, f, fi.Size())
	default:
		data, err := readBounded(path, p.s.o.maxFileSize)
		if err != nil {
			return err
		}
		return p.file(path, data)
	}
}

// dir reads every record file under root, skipping hidden files and
// directories, in lexical order.
func (p *producer) dir(root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("osv: %w", err)
		}
		if path != root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !isRecordFile(path) {
			return nil
		}
		if !d.Type().IsRegular() {
			fi, err := os.Stat(path) // follow a link to a file, not to a directory
			if err != nil || !fi.Mode().IsRegular() {
				return nil
			}
		}
		data, err := readBounded(path, p.s.o.maxFileSize)
		if err != nil {
			return err
		}
		return p.file(path, data)
	})
}

// readBounded reads a file of at most max bytes.
func readBounded(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("osv: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > max {
		return nil, fmt.Errorf("osv: %s: %d bytes, more than the limit of %d (WithMaxFileSize)", path, fi.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("osv: %s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("osv: %s: more than the limit of %d bytes (WithMaxFileSize)", path, max)
	}
	return data, nil
}

// zip reads the record files of a zip archive, within the entry, size and
// count limits; name names the archive in errors. The limits are checked
// against what the archive's directory declares before anything is read,
// and again while reading.
func (p *producer) zip(name string, ra io.ReaderAt, size int64) error {
	o := &p.s.o
	zr, err := zip.NewReader(ra, size)
	if err != nil && !(errors.Is(err, zip.ErrInsecurePath) && zr != nil) {
		// Entry names are only ever strings here, never paths we write.
		return fmt.Errorf("osv: %s: %w", name, err)
	}
	if len(zr.File) > o.maxZipEntries {
		return fmt.Errorf("osv: %s: %d entries, more than the limit of %d (WithMaxZipEntries)", name, len(zr.File), o.maxZipEntries)
	}
	var declared uint64
	for _, f := range zr.File {
		if f.UncompressedSize64 > uint64(o.maxFileSize) && isRecordFile(f.Name) {
			return fmt.Errorf("osv: %s: entry %q declares %d bytes, more than the limit of %d (WithMaxFileSize)", name, f.Name, f.UncompressedSize64, o.maxFileSize)
		}
		declared += f.UncompressedSize64
		if declared > uint64(o.maxTotalSize) {
			return fmt.Errorf("osv: %s: entries declare more than the limit of %d bytes uncompressed (WithMaxTotalSize)", name, o.maxTotalSize)
		}
	}
	var total int64
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !isRecordFile(f.Name) {
			continue
		}
		entry := name + ":" + f.Name
		data, err := readEntry(f, o.maxFileSize)
		if err != nil {
			return fmt.Errorf("osv: %s: %w", entry, err)
		}
		total += int64(len(data))
		if total > o.maxTotalSize {
			return fmt.Errorf("osv: %s: more than the limit of %d bytes uncompressed (WithMaxTotalSize)", name, o.maxTotalSize)
		}
		if err := p.file(entry, data); err != nil {
			return err
		}
	}
	return nil
}

func readEntry(f *zip.File, max int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("more than the limit of %d bytes (WithMaxFileSize)", max)
	}
	return data, nil
}

// file hands on one file: a YAML record, a JSON record, or each record of
// a JSON array.
func (p *producer) file(name string, data []byte) error {
	if err := p.ctx.Err(); err != nil {
		return err
	}
	if isYAML(name) {
		return p.record(&task{origin: name, data: data, yaml: true})
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return p.array(name, trimmed)
	}
	return p.record(&task{origin: name, data: trimmed})
}

// array splits a JSON array into its records; an array that is not valid
// JSON is an error naming the file and the record's index.
func (p *producer) array(name string, data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("osv: %s: not valid JSON: %w", name, err)
	}
	for i := 0; dec.More(); i++ {
		if err := p.ctx.Err(); err != nil {
			return err
		}
		var msg json.RawMessage
		if err := dec.Decode(&msg); err != nil {
			return fmt.Errorf("osv: %s: record [%d]: not valid JSON: %w", name, i, err)
		}
		if err := p.record(&task{origin: fmt.Sprintf("%s[%d]", name, i), data: msg}); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("osv: %s: not valid JSON: %w", name, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("osv: %s: not valid JSON: data after the array", name)
	}
	return nil
}

// record counts one record against the limit and hands it on.
func (p *producer) record(t *task) error {
	p.records++
	if p.records > p.s.o.maxRecords {
		return fmt.Errorf("osv: more than the limit of %d records (WithMaxRecords)", p.s.o.maxRecords)
	}
	return p.submit(t)
}
