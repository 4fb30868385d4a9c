package experiment

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/seed05b1c944/onebit/core/amp"
	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/data"
	"github.com/seed05b1c944/onebit/theory"
)

// ImageSpec is one run of `onebit train --data`: a data set, its
// preprocessing, a rate, and a Haar (or trained, see Encoder) encoder with
// one of the decoders whose
// predictions use the data's own prior (the empirical marginal of the
// whitened training coordinates, data.EmpiricalPrior):
//
//	linear     x_hat = sqrt(2/pi) B^T s, prediction 1 - 2r/pi (THEORY.md 1)
//	denoiser   the shallow statistic through the prior's MMSE denoiser,
//	           prediction mmse_P(2r/(pi - 2r)) (THEORY.md 5)
//	unrolled   Layers iterations of VAMP with the prior's denoiser,
//	           prediction its state evolution at T = Layers (THEORY.md 7.2)
//
// The decoders are the fixed Bayes ones of the theory (with a Haar encoder
// nothing is trained on the images except the whitening and the prior); the
// loss is measured on the test split. The predictions stay those of a Haar
// encoder for a trained one (how far below them training gets is the point).
type ImageSpec struct {
	Source data.Source
	Domain data.Domain
	Dim    int // 0: data.DefaultDim (pca 256, zca every pixel)
	Rate   float64
	// Encoder is Haar, or Learned: x_hat = A sign(Bx) trained on the
	// training split (ImageTraining); its linear decoder is the trained A,
	// and the nonlinear decoders run on the polar factor of the trained B
	// (the nearest orthonormal rows, as for priors in fitDecoder) with the
	// Haar predictions.
	Encoder  Encoder
	Training ImageTraining // Learned only
	Decoder  Decoder
	Train    int // training images for the whitening and the prior (0: 10000)
	Test     int // test images measured (0: 1000)
	Layers   int // unrolled: VAMP iterations (0: 10)
	Seed     uint64
}

func (s *ImageSpec) defaults() {
	if s.Train == 0 {
		s.Train = 10000
	}
	if s.Test == 0 {
		s.Test = 1000
	}
	if s.Layers == 0 {
		s.Layers = 10
	}
}

// Validate checks the spec; errors name the flag.
func (s ImageSpec) Validate() error {
	s.defaults()
	switch {
	case s.Encoder != Haar && s.Encoder != Learned:
		return fieldErr("encoder", "%v, want haar or learned", s.Encoder)
	case !(s.Rate > 0 && s.Rate <= 1):
		return fieldErr("rate", "%v, want 0 < r <= 1 (orthonormal rows)", s.Rate)
	case s.Dim < 0:
		return fieldErr("dim", "%d, want >= 0 (0: the domain's default)", s.Dim)
	case s.Train < 2 || s.Test < 2:
		return fieldErr("train-images", "%d training and %d test images, want at least 2 each", s.Train, s.Test)
	case s.Layers < 1:
		return fieldErr("layers", "%d, want >= 1", s.Layers)
	}
	if s.Encoder == Learned {
		return s.Training.validate()
	}
	return nil
}

// imageSet is a data set prepared for a domain: the whitened splits, the
// transform, the prior and the training statistics. Preparing costs seconds
// (the covariance's eigendecomposition), so it is memoised per process.
type imageSet struct {
	src        data.Source
	dom        data.Domain
	xtr, xte   *mat.Dense[float64]
	test       *data.Images
	tf         *data.Transform
	prior      *prior.Empirical
	stats, tst data.Stats
}

var (
	imageMu    sync.Mutex
	imageMemo  = map[string]*imageSet{}
	imageLocks = map[string]*sync.Mutex{}
)

func prepareImages(ctx context.Context, src data.Source, dom data.Domain, dim, ntrain, ntest int) (*imageSet, error) {
	key := fmt.Sprintf("%s|%s|%d|%d|%d", src, dom, dim, ntrain, ntest)
	imageMu.Lock()
	l, ok := imageLocks[key]
	if !ok {
		l = new(sync.Mutex)
		imageLocks[key] = l
	}
	imageMu.Unlock()
	l.Lock()
	defer l.Unlock()
	imageMu.Lock()
	set, ok := imageMemo[key]
	imageMu.Unlock()
	if ok {
		return set, nil
	}
	train, err := data.LoadN(ctx, src, data.Train, ntrain)
	if err != nil {
		return nil, err
	}
	test, err := data.LoadN(ctx, src, data.Test, ntest)
	if err != nil {
		return nil, err
	}
	xtr, xte, tf, err := data.Preprocess(train, test, dom, dim)
	if err != nil {
		return nil, err
	}
	p, err := data.EmpiricalPrior(src.Kind.String()+"/"+dom.String(), xtr)
	if err != nil {
		return nil, err
	}
	set = &imageSet{src: src, dom: dom, xtr: xtr, xte: xte, test: test, tf: tf, prior: p, stats: data.Measure(xtr), tst: data.Measure(xte)}
	imageMu.Lock()
	imageMemo[key] = set
	imageMu.Unlock()
	return set, nil
}

// ratioLoss is the normalised loss sum_s ||x_s - x_hat_s||^2 / sum_s ||x_s||^2
// over the test images, with its delta-method standard error
// sqrt(Var(l_s - L q_s)/N)/mean(q) (l_s, q_s per-coordinate loss and energy
// of image s). The predictions are for E x^2 = 1; normalising by the test
// split's own energy (0.98 to 1.1 of the training split's, which is 1)
// removes the whitening's fit-to-test mismatch from the comparison.
func ratioLoss(losses, q []float64) (loss, se float64) {
	n := float64(len(losses))
	var sl, sq float64
	for i := range losses {
		sl += losses[i]
		sq += q[i]
	}
	loss = sl / sq
	var v float64
	for i := range losses {
		e := losses[i] - loss*q[i]
		v += e * e
	}
	return loss, math.Sqrt(v/(n-1)/n) / (sq / n)
}

// imageDecoded is one decoder's measurement at one rate.
type imageDecoded struct {
	Decoder string   `json:"decoder"`
	Encoder string   `json:"encoder"` // "haar" or "trained"
	M       Measured `json:"measured"`
	GapSE   float64  `json:"gap_se"`
	// Losses are the per-image losses (for paired comparisons; not in JSON).
	Losses []float64 `json:"-"`
	// Recon are the first grid images decoded and mapped back to pixels.
	Recon [][]byte `json:"recon,omitempty"`
}

// imageEncoder is the encoder an image run decodes with: rows B (n x d)
// and, for a trained encoder, its trained linear decoder A (d x n; nil for
// Haar rows, whose linear decoder is sqrt(2/pi) B^T). Name is "haar" or
// "trained"; a trained encoder's nonlinear decoders run on Polar, the polar
// factor of B (orthonormal rows, as fitDecoder does for priors).
type imageEncoder struct {
	Name  string
	B, A  *mat.Dense[float64]
	Polar *mat.Dense[float64]
}

// haarEncoder draws Haar rows for rate r on the test split's dimension.
func haarEncoder(set *imageSet, r float64, rng *rand.Rand) (imageEncoder, error) {
	d := set.xte.Cols
	size, err := NewSize(r, d)
	if err != nil {
		return imageEncoder{}, err
	}
	b, err := amp.HaarRows(rng, size.Bits, d)
	if err != nil {
		return imageEncoder{}, err
	}
	return imageEncoder{Name: "haar", B: b, Polar: b}, nil
}

// imageRate decodes the test split of set with the encoder enc, with each
// decoder of decs, and measures it.
func imageRate(ctx context.Context, set *imageSet, enc imageEncoder, decs []Decoder, layers, grid int) (q []float64, out []imageDecoded, bits int, err error) {
	bits = enc.B.Rows
	codes, err := model.Codes(enc.B, set.xte)
	if err != nil {
		return nil, nil, 0, err
	}
	if enc.A != nil && slices.ContainsFunc(decs, Decoder.Nonlinear) {
		// The nonlinear decoders see the codes of the polar factor.
		if codes, err = model.Codes(enc.Polar, set.xte); err != nil {
			return nil, nil, 0, err
		}
	}
	q = model.Energies(set.xte)
	for _, dec := range decs {
		if err := ctx.Err(); err != nil {
			return nil, nil, 0, err
		}
		xh, pred, err := imageDecode(set, enc, dec, codes, layers)
		if err != nil {
			return nil, nil, 0, err
		}
		losses := make([]float64, xh.Rows)
		model.SignalLosses(set.xte, xh, losses)
		loss, se := ratioLoss(losses, q)
		m := Measured{Loss: loss, StdErr: se, Prediction: pred}
		o := imageDecoded{Decoder: dec.String(), Encoder: enc.Name, M: m, GapSE: m.GapSE(), Losses: losses}
		if grid > 0 {
			if o.Recon, err = toPixels(set, xh, grid); err != nil {
				return nil, nil, 0, err
			}
		}
		out = append(out, o)
	}
	return q, out, bits, nil
}

// imageDecode decodes the test split with decoder dec (codes: those of
// enc.Polar for the nonlinear decoders) and returns its prediction for the
// data's prior: 1 - 2r/pi, mmse(2r/(pi - 2r)) or VAMP's state evolution.
func imageDecode(set *imageSet, enc imageEncoder, dec Decoder, codes *mat.Dense[float64], layers int) (*mat.Dense[float64], float64, error) {
	d, b := set.xte.Cols, enc.Polar
	r := float64(enc.B.Rows) / float64(d)
	xh := mat.New[float64](set.xte.Rows, d)
	switch dec {
	case Linear:
		pred, err := theory.GaussEquivalentLoss(r)
		if err != nil {
			return nil, 0, err
		}
		if enc.A != nil {
			// The trained decoder on the trained encoder's own codes.
			lc, err := model.Codes(enc.B, set.xte)
			if err != nil {
				return nil, 0, err
			}
			mat.Mul(xh, 1, lc, kernel.NoTrans, enc.A, kernel.Trans, 0)
			return xh, pred, nil
		}
		sh, err := model.NewShallowLinear(b, model.HaarEnsemble)
		if err != nil {
			return nil, 0, err
		}
		sh.Decode(xh, codes)
		return xh, pred, nil
	case Denoiser:
		sh, err := model.NewShallowMMSE(b, set.prior, model.HaarEnsemble)
		if err != nil {
			return nil, 0, err
		}
		sh.Decode(xh, codes)
		pred, err := theory.DenoiserLoss(set.prior, r, theory.Haar)
		return xh, pred, err
	case Unrolled:
		res, err := amp.VAMP(b, codes, set.prior, layers, nil)
		if err != nil {
			return nil, 0, err
		}
		se, err := theory.VAMPStateEvolution(set.prior, r, theory.SEOptions{Iters: layers})
		if err != nil {
			return nil, 0, err
		}
		return res.Xhat, se.Trajectory[min(layers, len(se.Trajectory))-1], nil
	}
	return nil, 0, fmt.Errorf("experiment: decoder %v not supported for images", dec)
}

// toPixels maps the first n rows of coordinates back to image bytes.
func toPixels(set *imageSet, z *mat.Dense[float64], n int) ([][]byte, error) {
	n = min(n, z.Rows)
	head := &mat.Dense[float64]{Rows: n, Cols: z.Cols, Stride: z.Stride, Data: z.Data[:n*z.Stride]}
	px, err := set.tf.Inverse(head)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, n)
	for i := range n {
		out[i] = make([]byte, px.Cols)
		data.ToPixels(out[i], px.Row(i))
	}
	return out, nil
}

// TrainImages runs one ImageSpec and reports it with the JSON keys of
// TrainResult (prior is the data set's empirical prior, e.g. "mnist/pca";
// trainer "none" for Haar rows: nothing but the whitening and the prior is
// fitted; "sgd" for a learned encoder).
func TrainImages(ctx context.Context, s ImageSpec) (TrainResult, error) {
	s.defaults()
	if err := s.Validate(); err != nil {
		return TrainResult{}, err
	}
	set, err := prepareImages(ctx, s.Source, s.Domain, s.Dim, s.Train, s.Test)
	if err != nil {
		return TrainResult{}, err
	}
	rng := rand.New(rand.NewPCG(pointSeed(s.Seed, float64(s.Domain), s.Rate, set.xte.Cols), 14))
	enc, err := haarEncoder(set, s.Rate, rng)
	if err != nil {
		return TrainResult{}, err
	}
	trainer, steps := NoTrainer, 0
	if s.Encoder == Learned {
		if enc, err = trainedEncoder(ctx, set, enc.B, s.Training, rng); err != nil {
			return TrainResult{}, err
		}
		trainer, steps = SGD, s.Training.Steps
		if steps == 0 {
			steps = 3000
		}
	}
	_, out, bits, err := imageRate(ctx, set, enc, []Decoder{s.Decoder}, s.Layers, 0)
	if err != nil {
		return TrainResult{}, err
	}
	m := out[0].M
	layers := 0
	if s.Decoder == Unrolled {
		layers = s.Layers
	}
	return TrainResult{Prior: set.prior.Name(), Rate: float64(bits) / float64(set.xte.Cols), Dim: set.xte.Cols, Bits: bits,
		Trainer: trainer, Steps: steps, Seed: s.Seed, Kurtosis: set.stats.PooledKurt, Measured: m, GapSE: m.GapSE(),
		Encoder: s.Encoder, Decoder: s.Decoder, Layers: layers}, nil
}

// missingNote is the sentence the report gives a data set that is absent.
func missingNote(err error) string {
	var me *data.MissingError
	if errors.As(err, &me) {
		return fmt.Sprintf("looked in %s; %s", strings.Join(me.Looked, ", "), me.Hint)
	}
	return err.Error()
}

// cifarDefault is where reproduce looks for CIFAR-10: $ONEBIT_CIFAR10_DIR,
// else ./cifar-10-batches-bin (the directory the archive unpacks to).
func cifarDefault() string {
	if d := os.Getenv("ONEBIT_CIFAR10_DIR"); d != "" {
		return "cifar:" + d
	}
	return "cifar:cifar-10-batches-bin"
}
