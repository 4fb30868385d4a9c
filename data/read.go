package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// Limits on what a file may declare; a header beyond them is rejected
// before anything is allocated.
const (
	// MaxIDXBytes bounds the payload of an IDX file (MNIST's training
	// images are 47 MB).
	MaxIDXBytes = 1 << 30
	// MaxCIFARRecords bounds the records of one CIFAR-10 batch file (a
	// standard batch has 10000).
	MaxCIFARRecords = 1 << 20
	// CIFARRecord is the length of one CIFAR-10 record: a label byte, then
	// 32x32 red, green and blue planes.
	CIFARRecord = 1 + 3*32*32
	// chunk is the most a reader allocates ahead of the bytes it has read.
	chunk = 1 << 20
)

// FormatError is a malformed data file: its name and the problem.
type FormatError struct {
	File    string
	Problem string
}

func (e *FormatError) Error() string { return "data: " + e.File + ": " + e.Problem }

func formatErr(file, format string, args ...any) error {
	return &FormatError{File: file, Problem: fmt.Sprintf(format, args...)}
}

// IDX is the content of an IDX file of unsigned bytes (the format of MNIST
// and Fashion-MNIST): Dims, outermost first, and Data in row-major order,
// len(Data) = prod(Dims).
type IDX struct {
	Dims []int
	Data []byte
}

// decompress returns r itself, or a gzip reader over it when it starts with
// the gzip magic 1f 8b; gzipped reports which.
func decompress(br *bufio.Reader, name string) (r io.Reader, gzipped bool, err error) {
	magic, err := br.Peek(2)
	if err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, true, formatErr(name, "bad gzip header: %v", err)
		}
		return z, true, nil
	}
	return br, false, nil
}

// readFull reads exactly n bytes, growing its buffer only as bytes arrive
// (at most chunk ahead), so a header that lies about n allocates nothing
// large. what names the part for the error.
func readFull(r io.Reader, n int, name, what string) ([]byte, error) {
	buf := make([]byte, 0, min(n, chunk))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			next := make([]byte, len(buf), min(n, 2*cap(buf)))
			copy(next, buf)
			buf = next
		}
		k, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, formatErr(name, "truncated: %s has %d of %d bytes", what, len(buf), n)
			}
			return nil, formatErr(name, "reading %s: %v", what, err)
		}
	}
	return buf, nil
}

// expectEOF reports trailing bytes after the declared content.
func expectEOF(r io.Reader, name, what string) error {
	var b [1]byte
	k, err := io.ReadFull(r, b[:])
	if k > 0 {
		return formatErr(name, "trailing bytes after %s (dimensions do not match the file's size)", what)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return formatErr(name, "reading past %s: %v", what, err)
	}
	return nil
}

// DecodeIDX reads an IDX file of unsigned bytes, plain or gzip-compressed
// (detected by the gzip magic), from r. name is used in errors; size is the
// length of the stream if known (>= 0), which a plain file must match
// exactly. The header is
//
//	0x00 0x00 0x08 ndim, then ndim big-endian uint32 dimensions,
//
// then prod(dims) bytes. Errors name the file and the problem: truncated,
// wrong magic, unsupported element type, zero or absurd dimensions (more
// than MaxIDXBytes), a size that does not match, trailing bytes.
func DecodeIDX(r io.Reader, name string, size int64) (*IDX, error) {
	return decodeIDX(r, name, size, 0)
}

// decodeIDX is DecodeIDX reading only the first limit entries of the
// outermost dimension when 0 < limit < Dims[0] (the header and the file's
// size are still checked; the rest of the stream is not read).
func decodeIDX(r io.Reader, name string, size int64, limit int) (*IDX, error) {
	br := bufio.NewReader(r)
	src, gz, err := decompress(br, name)
	if err != nil {
		return nil, err
	}
	var head [4]byte
	if _, err := io.ReadFull(src, head[:]); err != nil {
		return nil, formatErr(name, "truncated: no 4-byte IDX magic (%v)", err)
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, formatErr(name, "wrong magic % x, want 00 00 08 ndim (an IDX file)", head)
	}
	if head[2] != 0x08 {
		return nil, formatErr(name, "IDX element type 0x%02x not supported, want 0x08 (unsigned byte)", head[2])
	}
	nd := int(head[3])
	if nd < 1 || nd > 4 {
		return nil, formatErr(name, "IDX with %d dimensions, want 1 to 4", nd)
	}
	var dimBytes [16]byte
	if _, err := io.ReadFull(src, dimBytes[:4*nd]); err != nil {
		return nil, formatErr(name, "truncated: header declares %d dimensions (%v)", nd, err)
	}
	dims := make([]int, nd)
	total := 1
	for i := range dims {
		d := binary.BigEndian.Uint32(dimBytes[4*i:])
		if d == 0 {
			return nil, formatErr(name, "dimension %d is 0", i)
		}
		if uint64(d) > MaxIDXBytes || uint64(total)*uint64(d) > MaxIDXBytes {
			return nil, formatErr(name, "absurd dimensions %v...: more than %d bytes", dims[:i+1], MaxIDXBytes)
		}
		dims[i] = int(d)
		total *= int(d)
	}
	if !gz && size >= 0 {
		if want := int64(4 + 4*nd + total); size != want {
			return nil, formatErr(name, "dimensions %v need %d bytes, the file has %d", dims, want, size)
		}
	}
	if limit > 0 && limit < dims[0] {
		inner := total / dims[0]
		payload, err := readFull(src, limit*inner, name, fmt.Sprintf("the first %d entries of dimensions %v", limit, dims))
		if err != nil {
			return nil, err
		}
		dims[0] = limit
		return &IDX{Dims: dims, Data: payload}, nil
	}
	payload, err := readFull(src, total, name, fmt.Sprintf("data of dimensions %v", dims))
	if err != nil {
		return nil, err
	}
	if err := expectEOF(src, name, fmt.Sprintf("data of dimensions %v", dims)); err != nil {
		return nil, err
	}
	return &IDX{Dims: dims, Data: payload}, nil
}

// DecodeCIFAR reads one CIFAR-10 binary batch (plain or gzip-compressed):
// records of CIFARRecord bytes, a label 0..9 then the 3072 pixels (red,
// green, blue planes of 32x32, rows top to bottom). It returns the labels
// and the pixels (image i at pixels[i*3072:]). size is the stream's length
// if known (>= 0), which for a plain file must be a positive multiple of
// CIFARRecord of at most MaxCIFARRecords records.
func DecodeCIFAR(r io.Reader, name string, size int64) (labels, pixels []byte, err error) {
	br := bufio.NewReader(r)
	src, gz, err := decompress(br, name)
	if err != nil {
		return nil, nil, err
	}
	if !gz && size >= 0 {
		switch {
		case size == 0:
			return nil, nil, formatErr(name, "empty file, want records of %d bytes", CIFARRecord)
		case size%CIFARRecord != 0:
			return nil, nil, formatErr(name, "size %d is not a multiple of the record length %d (truncated or not a CIFAR-10 batch)", size, CIFARRecord)
		case size/CIFARRecord > MaxCIFARRecords:
			return nil, nil, formatErr(name, "absurd size: %d records, at most %d", size/CIFARRecord, MaxCIFARRecords)
		}
	}
	var rec [CIFARRecord]byte
	for n := 0; ; n++ {
		k, err := io.ReadFull(src, rec[:])
		if errors.Is(err, io.EOF) && k == 0 {
			if n == 0 {
				return nil, nil, formatErr(name, "no records")
			}
			return labels, pixels, nil
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, nil, formatErr(name, "truncated: record %d has %d of %d bytes", n, k, CIFARRecord)
			}
			return nil, nil, formatErr(name, "reading record %d: %v", n, err)
		}
		if n >= MaxCIFARRecords {
			return nil, nil, formatErr(name, "absurd size: more than %d records", MaxCIFARRecords)
		}
		if rec[0] > 9 {
			return nil, nil, formatErr(name, "record %d has label %d, want 0..9 (not a CIFAR-10 batch?)", n, rec[0])
		}
		labels = append(labels, rec[0])
		pixels = append(pixels, rec[1:]...)
	}
}

// openFile opens path and returns it with its size.
func openFile(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// ReadIDXFile reads an IDX file (see DecodeIDX).
func ReadIDXFile(path string) (*IDX, error) { return readIDXFile(path, 0) }

func readIDXFile(path string, limit int) (*IDX, error) {
	f, size, err := openFile(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	return decodeIDX(f, path, size, limit)
}

// ReadCIFARFile reads a CIFAR-10 batch file (see DecodeCIFAR).
func ReadCIFARFile(path string) (labels, pixels []byte, err error) {
	f, size, err := openFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	return DecodeCIFAR(f, path, size)
}
