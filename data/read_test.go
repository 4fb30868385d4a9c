package data

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed05b1c944/onebit/core/mat"
)

// idxBytes encodes an IDX file of unsigned bytes.
func idxBytes(dims []int, data []byte) []byte {
	b := []byte{0, 0, 8, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return append(b, data...)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func randBytes(rng *rand.Rand, n int, mod int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.IntN(mod))
	}
	return b
}

// TestIDXRoundTrip writes random IDX files (1 to 4 dimensions), plain and
// gzipped, and reads them back exactly.
func TestIDXRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 50; trial++ {
		dims := make([]int, 1+rng.IntN(4))
		total := 1
		for i := range dims {
			dims[i] = 1 + rng.IntN(9)
			total *= dims[i]
		}
		data := randBytes(rng, total, 256)
		raw := idxBytes(dims, data)
		for _, f := range [][]byte{raw, gz(raw)} {
			got, err := DecodeIDX(bytes.NewReader(f), "x", int64(len(f)))
			if err != nil {
				t.Fatalf("dims %v: %v", dims, err)
			}
			if !slicesEqual(got.Dims, dims) || !bytes.Equal(got.Data, data) {
				t.Fatalf("dims %v: read back %v and %d bytes", dims, got.Dims, len(got.Data))
			}
		}
	}
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestIDXBad: every malformed file gets one FormatError naming the file and
// the problem.
func TestIDXBad(t *testing.T) {
	good := idxBytes([]int{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	huge := idxBytes([]int{0xffffffff, 0xffffffff}, nil)
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"short magic", []byte{0, 0}, "truncated"},
		{"wrong magic", []byte{1, 2, 8, 1, 0, 0, 0, 1, 0}, "wrong magic"},
		{"float type", []byte{0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0}, "not supported"},
		{"no dims", []byte{0, 0, 8, 0}, "0 dimensions"},
		{"five dims", []byte{0, 0, 8, 5}, "5 dimensions"},
		{"short dims", good[:9], "truncated"},
		{"zero dim", idxBytes([]int{2, 0}, nil), "dimension 1 is 0"},
		{"absurd", huge, "absurd"},
		{"absurd gz", gz(huge), "absurd"},
		{"size mismatch", good[:len(good)-1], "need 18 bytes, the file has 17"},
		{"truncated gz", gz(good[:len(good)-1]), "truncated"},
		{"trailing gz", gz(append(good[:len(good):len(good)], 7)), "trailing"},
		{"trailing plain", append(good[:len(good):len(good)], 7), "need 18 bytes"},
		{"bad gzip", []byte{0x1f, 0x8b, 0, 0}, "gzip"},
	} {
		_, err := DecodeIDX(bytes.NewReader(c.file), "f.idx", int64(len(c.file)))
		var fe *FormatError
		if !errors.As(err, &fe) || fe.File != "f.idx" || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want a FormatError on f.idx containing %q", c.name, err, c.want)
		}
	}
}

// TestCIFARRoundTrip writes random batches, plain and gzipped, and reads them back.
func TestCIFARRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{1, 3, 17} {
		labels := randBytes(rng, n, 10)
		pixels := randBytes(rng, n*3072, 256)
		var f []byte
		for i := range n {
			f = append(f, labels[i])
			f = append(f, pixels[i*3072:(i+1)*3072]...)
		}
		for _, file := range [][]byte{f, gz(f)} {
			l, p, err := DecodeCIFAR(bytes.NewReader(file), "b.bin", int64(len(file)))
			if err != nil || !bytes.Equal(l, labels) || !bytes.Equal(p, pixels) {
				t.Fatalf("n %d: %v (%d labels, %d pixels)", n, err, len(l), len(p))
			}
		}
	}
}

func TestCIFARBad(t *testing.T) {
	rec := make([]byte, CIFARRecord)
	two := append(append([]byte{}, rec...), rec...)
	bad := append([]byte{}, two...)
	bad[CIFARRecord] = 10
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "empty"},
		{"empty gz", gz(nil), "no records"},
		{"short", two[:len(two)-1], "not a multiple"},
		{"short gz", gz(two[:len(two)-1]), "truncated: record 1"},
		{"label", bad, "record 1 has label 10"},
	} {
		_, _, err := DecodeCIFAR(bytes.NewReader(c.file), "b.bin", int64(len(c.file)))
		var fe *FormatError
		if !errors.As(err, &fe) || fe.File != "b.bin" || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want a FormatError on b.bin containing %q", c.name, err, c.want)
		}
	}
}

func FuzzIDX(f *testing.F) {
	f.Add(idxBytes([]int{2, 3}, []byte{1, 2, 3, 4, 5, 6}))
	f.Add(gz(idxBytes([]int{1, 2, 2}, []byte{9, 8, 7, 6})))
	f.Add(idxBytes([]int{0xffffffff, 2}, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, size := range []int64{int64(len(b)), -1} {
			x, err := DecodeIDX(bytes.NewReader(b), "fuzz", size)
			if err != nil {
				var fe *FormatError
				if !errors.As(err, &fe) {
					t.Fatalf("error %v is not a FormatError", err)
				}
				continue
			}
			total := 1
			for _, d := range x.Dims {
				total *= d
			}
			if len(x.Data) != total || total > MaxIDXBytes {
				t.Fatalf("dims %v with %d bytes", x.Dims, len(x.Data))
			}
		}
	})
}

func FuzzCIFAR(f *testing.F) {
	rec := make([]byte, CIFARRecord)
	rec[0] = 3
	f.Add(rec)
	f.Add(gz(rec))
	f.Add(rec[:100])
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, size := range []int64{int64(len(b)), -1} {
			l, p, err := DecodeCIFAR(bytes.NewReader(b), "fuzz", size)
			if err != nil {
				var fe *FormatError
				if !errors.As(err, &fe) {
					t.Fatalf("error %v is not a FormatError", err)
				}
				continue
			}
			if len(l) == 0 || len(p) != 3072*len(l) {
				t.Fatalf("%d labels, %d pixels", len(l), len(p))
			}
			for _, v := range l {
				if v > 9 {
					t.Fatalf("label %d", v)
				}
			}
		}
	})
}

func TestParseSource(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Source
	}{
		{"mnist", Source{MNIST, ""}}, {"mnist:/d", Source{MNIST, "/d"}}, {"fashion", Source{Fashion, ""}},
		{" fashion:/x/y ", Source{Fashion, "/x/y"}}, {"cifar:rel/dir", Source{CIFAR10, "rel/dir"}}, {"CIFAR10:/c", Source{CIFAR10, "/c"}},
	} {
		got, err := ParseSource(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseSource(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
		if back, err := ParseSource(got.String()); err != nil || back != got {
			t.Errorf("ParseSource(String()) of %v = %v, %v", got, back, err)
		}
	}
	for _, in := range []string{"", "cifar", "mnist:", "imagenet:/x"} {
		if _, err := ParseSource(in); err == nil {
			t.Errorf("ParseSource(%q): no error", in)
		}
	}
	for _, in := range []string{"pca", "zca", " ZCA "} {
		d, err := ParseDomain(in)
		if err != nil || d.String() != strings.ToLower(strings.TrimSpace(in)) {
			t.Errorf("ParseDomain(%q) = %v, %v", in, d, err)
		}
	}
	if _, err := ParseDomain("ica"); err == nil {
		t.Error("ParseDomain(ica): no error")
	}
}

// TestLoadDirs writes small Fashion-MNIST-style and CIFAR-10-style
// directories and loads both splits; an absent directory is a MissingError
// naming where it looked and how to get the data.
func TestLoadDirs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	imgs := randBytes(rng, 5*4*3, 256)
	lbls := randBytes(rng, 5, 10)
	write("train-images-idx3-ubyte.gz", gz(idxBytes([]int{5, 4, 3}, imgs)))
	write("train-labels-idx1-ubyte", idxBytes([]int{5}, lbls))
	write("t10k-images-idx3-ubyte", idxBytes([]int{5, 4, 3}, imgs))
	write("t10k-labels-idx1-ubyte.gz", gz(idxBytes([]int{4}, lbls[:4])))
	ctx := context.Background()
	im, err := Load(ctx, Source{Fashion, dir}, Train)
	if err != nil || im.N != 5 || im.Rows != 4 || im.Cols != 3 || im.Channels != 1 || !bytes.Equal(im.Pixels, imgs) || !bytes.Equal(im.Labels, lbls) {
		t.Fatalf("fashion train: %+v, %v", im, err)
	}
	if head, err := LoadN(ctx, Source{Fashion, dir}, Train, 3); err != nil || head.N != 3 || !bytes.Equal(head.Pixels, imgs[:36]) || !bytes.Equal(head.Labels, lbls[:3]) {
		t.Errorf("LoadN 3: %+v, %v", head, err)
	}
	if _, err := Load(ctx, Source{Fashion, dir}, Test); err == nil || !strings.Contains(err.Error(), "4 labels for the 5 images") {
		t.Errorf("fashion test with mismatched labels: %v", err)
	}
	var all, allLabels []byte
	for i, name := range append(cifarFiles(Train), cifarFiles(Test)...) {
		var f []byte
		for k := range 2 + i {
			l := byte(rng.IntN(10))
			p := randBytes(rng, 3072, 256)
			f = append(append(f, l), p...)
			if i < 5 {
				all, allLabels = append(all, p...), append(allLabels, l)
			}
			_ = k
		}
		write(name, f)
	}
	im, err = Load(ctx, Source{CIFAR10, dir}, Train)
	if err != nil || im.N != 2+3+4+5+6 || im.Dim() != 3072 || !bytes.Equal(im.Pixels, all) || !bytes.Equal(im.Labels, allLabels) {
		t.Fatalf("cifar train: N %d, %v", im.N, err)
	}
	if head, err := LoadN(ctx, Source{CIFAR10, dir}, Train, 4); err != nil || head.N != 4 || !bytes.Equal(head.Pixels, all[:4*3072]) {
		t.Errorf("cifar LoadN 4: %v", err)
	}
	missing := filepath.Join(dir, "nothing")
	for _, src := range []Source{{Fashion, missing}, {CIFAR10, missing}, {MNIST, missing}} {
		_, err := Load(ctx, src, Test)
		if !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), missing) {
			t.Errorf("%v: error %v, want ErrMissing naming %s", src, err, missing)
		}
	}
}

// TestGoMNISTVersion holds the version this package looks for in the
// module cache to the one go.mod requires.
func TestGoMNISTVersion(t *testing.T) {
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), gomnistPath+" "+gomnistVersion) {
		t.Errorf("go.mod does not require %s %s; update gomnistVersion", gomnistPath, gomnistVersion)
	}
}

func TestGrid(t *testing.T) {
	grey := []byte{0, 50, 100, 150, 200, 250}
	img, err := Grid([][]byte{grey, nil, grey}, 1, 2, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 2*(3+2)+2 || b.Dy() != 2*(2+2)+2 {
		t.Fatalf("bounds %v", b)
	}
	if c := img.RGBAAt(2+2, 2+1); c.R != 250 || c.G != 250 {
		t.Errorf("pixel (1, 2) of tile 0: %v, want grey 250", c)
	}
	if c := img.RGBAAt(2+5+1, 2); c.R != 255 {
		t.Errorf("nil tile not white: %v", c)
	}
	rgb := make([]byte, 3*4)
	rgb[4+1] = 77 // green plane, pixel 1
	img, err = Grid([][]byte{rgb}, 3, 2, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if c := img.RGBAAt(2+1, 2); c.R != 0 || c.G != 77 || c.B != 0 {
		t.Errorf("colour pixel %v, want (0, 77, 0)", c)
	}
	if _, err := Grid([][]byte{{1}}, 1, 2, 2, 1); err == nil {
		t.Error("short tile: no error")
	}
}

// TestMeasure checks Stats on a matrix with known moments: coordinate 0
// takes ±1 (variance 1, excess kurtosis -2), coordinate 1 takes 0 or ±2
// with probabilities 1/2, 1/4, 1/4 (variance 2, kurtosis 8/4 - 3 = -1),
// exactly, over the 4 rows.
func TestMeasure(t *testing.T) {
	X := mat.New[float64](4, 2)
	copy(X.Data, []float64{1, 0, -1, 2, 1, -2, -1, 0})
	s := Measure(X)
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	if !near(s.Var[0], 1) || !near(s.Var[1], 2) || !near(s.Kurt[0], -2) || !near(s.Kurt[1], -1) {
		t.Errorf("per coordinate: var %v kurt %v", s.Var, s.Kurt)
	}
	// pooled: values 1,0,1,2,1,2,1,0 in absolute value: E x^2 = 12/8, E x^4 = 36/8.
	if !near(s.PooledVar, 1.5) || !near(s.PooledKurt, 4.5/2.25-3) || !near(s.FracNear0, 0.25) {
		t.Errorf("pooled: %+v", s)
	}
	// energies q = 0.5, 2.5, 2.5, 0.5.
	if !near(s.EnergyVar, 1) || !near(s.MeanRootEnergy, (math.Sqrt(0.5)+math.Sqrt(2.5))/2) {
		t.Errorf("energies: var %v, mean root %v", s.EnergyVar, s.MeanRootEnergy)
	}
}
