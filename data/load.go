package data

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Images is one split of a data set: N images of Channels planes of
// Rows x Cols pixels (0..255), image i at Pixels[i*Dim():(i+1)*Dim()] in
// plane, row, column order, and its class label 0..9.
type Images struct {
	Source                  Source
	Split                   Split
	N, Channels, Rows, Cols int
	Pixels                  []byte
	Labels                  []byte
}

// Dim is the number of pixels of one image, Channels*Rows*Cols.
func (im *Images) Dim() int { return im.Channels * im.Rows * im.Cols }

// Image returns the pixels of image i.
func (im *Images) Image(i int) []byte { return im.Pixels[i*im.Dim() : (i+1)*im.Dim()] }

// Head returns the first n images (all if n <= 0 or n >= N), sharing memory.
func (im *Images) Head(n int) *Images {
	if n <= 0 || n >= im.N {
		return im
	}
	h := *im
	h.N = n
	h.Pixels = im.Pixels[:n*im.Dim()]
	h.Labels = im.Labels[:n]
	return &h
}

// Load reads one split of a data set. An absent data set is a *MissingError
// (errors.Is(err, ErrMissing)) saying where Load looked and how to get it; a
// malformed file is a *FormatError naming the file and the problem.
func Load(ctx context.Context, src Source, split Split) (*Images, error) {
	return LoadN(ctx, src, split, 0)
}

// LoadN is Load reading only the first n images of the split (all if
// n <= 0): the readers stop after them, so a small experiment does not pay
// for decompressing the whole file.
func LoadN(ctx context.Context, src Source, split Split, n int) (*Images, error) {
	switch src.Kind {
	case MNIST, Fashion:
		return loadIDX(ctx, src, split, n)
	case CIFAR10:
		return loadCIFAR(ctx, src, split, n)
	}
	return nil, fmt.Errorf("data: unknown data set %v", src.Kind)
}

// idxNames are the standard file names (the IDX files may be gzipped, with
// a .gz suffix, or plain).
func idxNames(split Split) (images, labels string) {
	if split == Test {
		return "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"
	}
	return "train-images-idx3-ubyte", "train-labels-idx1-ubyte"
}

// findIDX returns the path of name or name.gz in dir, or "".
func findIDX(dir, name string) string {
	for _, p := range []string{filepath.Join(dir, name+".gz"), filepath.Join(dir, name)} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

func loadIDX(ctx context.Context, src Source, split Split, n int) (*Images, error) {
	imgName, lblName := idxNames(split)
	var dirs []string
	hint := mnistHint
	switch {
	case src.Dir != "":
		dirs = []string{src.Dir}
		if src.Kind == Fashion {
			hint = fashionHint
		} else {
			hint = "put the four MNIST IDX files (train-images-idx3-ubyte.gz, ...) in " + src.Dir + " or use plain mnist (the copy in the GoMNIST module)"
		}
	case src.Kind == Fashion:
		dirs, hint = []string{FashionDebianDir}, fashionHint
	default:
		dirs = mnistDirs(func(dir string) bool { return findIDX(dir, imgName) != "" })
	}
	var looked []string
	for _, dir := range dirs {
		img := findIDX(dir, imgName)
		looked = append(looked, filepath.Join(dir, imgName+"[.gz]"))
		if img == "" {
			continue
		}
		lbl := findIDX(dir, lblName)
		if lbl == "" {
			looked = append(looked, filepath.Join(dir, lblName+"[.gz]"))
			continue
		}
		return readIDXPair(ctx, src, split, img, lbl, n)
	}
	return nil, &MissingError{Source: src, Looked: looked, Hint: hint}
}

func readIDXPair(ctx context.Context, src Source, split Split, imgPath, lblPath string, n int) (*Images, error) {
	img, err := readIDXFile(imgPath, n)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	lbl, err := readIDXFile(lblPath, n)
	if err != nil {
		return nil, err
	}
	if len(img.Dims) != 3 {
		return nil, formatErr(imgPath, "image file with dimensions %v, want 3 (count, rows, columns)", img.Dims)
	}
	if len(lbl.Dims) != 1 {
		return nil, formatErr(lblPath, "label file with dimensions %v, want 1 (count)", lbl.Dims)
	}
	if img.Dims[0] != lbl.Dims[0] {
		return nil, formatErr(lblPath, "%d labels for the %d images of %s", lbl.Dims[0], img.Dims[0], imgPath)
	}
	for i, l := range lbl.Data {
		if l > 9 {
			return nil, formatErr(lblPath, "label %d of image %d, want 0..9", l, i)
		}
	}
	return &Images{Source: src, Split: split, N: img.Dims[0], Channels: 1, Rows: img.Dims[1], Cols: img.Dims[2], Pixels: img.Data, Labels: lbl.Data}, nil
}

// cifarFiles are the standard batch names of a split.
func cifarFiles(split Split) []string {
	if split == Test {
		return []string{"test_batch.bin"}
	}
	return []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}
}

func loadCIFAR(ctx context.Context, src Source, split Split, n int) (*Images, error) {
	files := cifarFiles(split)
	var missing []string
	for _, f := range files {
		p := filepath.Join(src.Dir, f)
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return nil, &MissingError{Source: src, Looked: missing, Hint: cifarHint}
	}
	im := &Images{Source: src, Split: split, Channels: 3, Rows: 32, Cols: 32}
	for _, f := range files {
		if n > 0 && im.N >= n {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		labels, pixels, err := ReadCIFARFile(filepath.Join(src.Dir, f))
		if err != nil {
			return nil, err
		}
		im.Labels = append(im.Labels, labels...)
		im.Pixels = append(im.Pixels, pixels...)
		im.N += len(labels)
	}
	return im.Head(n), nil
}
