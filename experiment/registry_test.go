package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/seed05b1c944/onebit/core/prior"
)

// TestKindsRoundTrip: every kind parses what it prints, marshals as text,
// and rejects other spellings with the valid ones in the message.
func TestKindsRoundTrip(t *testing.T) {
	for _, tr := range []Trainer{Population, SGD} {
		if got, err := ParseTrainer(tr.String()); err != nil || got != tr {
			t.Errorf("ParseTrainer(%q) = %v, %v", tr, got, err)
		}
	}
	if _, err := ParseTrainer("none"); err == nil {
		t.Error(`ParseTrainer("none") accepted: "none" is only printed for a fixed encoder`)
	}
	for _, e := range []Encoder{Learned, Haar} {
		if got, err := ParseEncoder(e.String()); err != nil || got != e {
			t.Errorf("ParseEncoder(%q) = %v, %v", e, got, err)
		}
	}
	for _, d := range []Decoder{Linear, Denoiser, Unrolled} {
		if got, err := ParseDecoder(d.String()); err != nil || got != d {
			t.Errorf("ParseDecoder(%q) = %v, %v", d, got, err)
		}
	}
	if _, err := ParseDecoder("lasso"); err == nil || err.Error() != `unknown decoder "lasso", want linear, denoiser, unrolled` {
		t.Errorf("ParseDecoder(lasso): %v", err)
	}
	b, err := json.Marshal(struct {
		T Trainer `json:"trainer"`
		E Encoder `json:"encoder,omitempty"`
		D Decoder `json:"decoder,omitempty"`
		P prior.Value
	}{NoTrainer, Learned, Unrolled, prior.MustParse("bg:0.1")})
	if want := `{"trainer":"none","decoder":"unrolled","P":"bg:0.1"}`; err != nil || string(b) != want {
		t.Errorf("JSON %s, %v; want %s", b, err, want)
	}
	var v struct{ P prior.Value }
	if err := json.Unmarshal([]byte(`{"P":"sr:0.5"}`), &v); err != nil || v.P.Name() != "sr:0.5" {
		t.Errorf("unmarshal prior: %v %v", v.P, err)
	}
	if err := json.Unmarshal([]byte(`{"P":"bg:7"}`), &v); err == nil {
		t.Error("prior bg:7 unmarshalled")
	}
}

// TestRegistry: the report assembles the registry's experiments in order,
// names are unique, and define gives each experiment its own directory and
// the base run settings.
func TestRegistry(t *testing.T) {
	names := Names()
	if want := []string{"sparsity", "decoders", "learned", "encoders", "layers", "joint"}; !slices.Equal(names[:len(want)], want) {
		t.Errorf("registry order %v, want it to start with %v", names, want)
	}
	if got := reportSections(); !slices.Equal(got, append(slices.Clone(names), "bench")) {
		t.Errorf("report sections %v", got)
	}
	seen := map[string]bool{}
	for _, e := range Experiments() {
		if seen[e.Name] || e.Summary == "" || e.exec == nil {
			t.Errorf("experiment %q: duplicate, or no summary or run", e.Name)
		}
		seen[e.Name] = true
	}
	if err := CheckNames([]string{"sparsity", "nope"}); err == nil {
		t.Error("unknown experiment accepted")
	}
	var got SparsityConfig
	e := define(parts[SparsityConfig, int, []int]{name: "probe", summary: "a test entry", weight: 1,
		config:   scaled(SparsityDefaults, SparsityPaper, SparsitySmoke),
		banner:   func(SparsityConfig) string { return "" },
		units:    func(c SparsityConfig) ([]unit[int], error) { got = c; return nil, errStop },
		assemble: same[SparsityConfig, int], write: func(SparsityConfig, []int) error { return nil }})
	err := e.exec(context.Background(), Paper, Run{Seed: 9, OutDir: "root", Workers: 3}, nil, Compute, io.Discard)
	if !errors.Is(err, errStop) || got.Dim != SparsityPaper().Dim || got.Seed != 9 || got.OutDir != filepath.Join("root", "probe") || got.Workers != 3 {
		t.Errorf("define: config %+v, err %v", got, err)
	}
}

var errStop = errors.New("stop")

// TestTrainSpecValidate: each invalid field is reported as a FieldError
// naming it.
func TestTrainSpecValidate(t *testing.T) {
	ok := TrainSpec{Prior: prior.Gaussian{}, Trainer: Population, Samples: 1000}
	ok.Size, _ = NewSize(0.5, 100)
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid spec: %v", err)
	}
	for field, mod := range map[string]func(*TrainSpec){
		"lr":      func(s *TrainSpec) { s.LR = math.NaN() },
		"steps":   func(s *TrainSpec) { s.Steps = -1 },
		"samples": func(s *TrainSpec) { s.Samples = 1 },
		"prior":   func(s *TrainSpec) { s.Prior = prior.BernoulliGaussian{P: 1e-6} },
		"trainer": func(s *TrainSpec) { s.Prior = prior.SparseRademacher{P: 0.5} },
		"rate":    func(s *TrainSpec) { s.Encoder = Haar; s.Size.Bits = 150 },
		"layers":  func(s *TrainSpec) { s.Decoder = Unrolled; s.DecoderSteps = 1 },
	} {
		s := ok
		mod(&s)
		var fe *FieldError
		if err := s.Validate(); !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%s: got %v", field, err)
		}
	}
}
