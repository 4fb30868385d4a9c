package props

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/seed05b1c944/onebit/core/amp"
	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/train"
	"github.com/seed05b1c944/onebit/data"
)

// trainedVsHaar trains x_hat = A sign(Bx) on the rows of xtr by SGD on
// data (train.SGDData, straight-through) from the Haar rows b with A =
// sqrt(2/pi) B^T, as the images experiment does, and returns the paired
// normalised difference (trained minus Haar) of the linear decoders' losses
// on xte, sum_s (l_s - h_s) / sum_s q_s, with its se over the test images.
func trainedVsHaar(t *testing.T, xtr, xte *mat.Dense[float64], b *mat.Dense[float64], steps int, rng *rand.Rand) (haar, diff, se float64) {
	t.Helper()
	d, n := b.Cols, b.Rows
	x := mat.New[float32](xtr.Rows, d)
	for i := range x.Data {
		x.Data[i] = float32(xtr.Data[i])
	}
	m64 := model.New[float64](d, n)
	copy(m64.B.Data, b.Data)
	m64.SetTiedDecoder(math.Sqrt(2 / math.Pi))
	m := model.Convert[float32](m64)
	if _, err := train.SGDData(context.Background(), m, x, rng, train.SGDConfig{Steps: steps, Batch: 128, LR: 1e-3}); err != nil {
		t.Fatal(err)
	}
	m64 = model.Convert[float64](m)
	q := model.Energies(xte)
	xh := mat.New[float64](xte.Rows, d)
	lh, lt := make([]float64, xte.Rows), make([]float64, xte.Rows)
	codes, _ := model.Codes(b, xte)
	sh, _ := model.NewShallowLinear(b, model.HaarEnsemble)
	sh.Decode(xh, codes)
	model.SignalLosses(xte, xh, lh)
	codes, _ = model.Codes(m64.B, xte)
	mat.Mul(xh, 1, codes, kernel.NoTrans, m64.A, kernel.Trans, 0)
	model.SignalLosses(xte, xh, lt)
	for i := range lt {
		lt[i] -= lh[i]
	}
	haar, _ = ratio(lh, q)
	diff, se = ratio(lt, q)
	return haar, diff, se
}

// TestImagesTrainedEncoderMNIST: on MNIST at a small size (3000 training
// images, 300 test images; pca r = 1/2, d = 256; zca r = 1/4, d = 784), an
// encoder trained on the training images by SGD on data (300 Adam steps of
// batch 128, lr 1e-3, from the Haar rows it is compared with) against that
// Haar encoder, paired on the same test images:
//
//   - pca (near-Gaussian coordinates, where the rotation is already the
//     linear decoder's optimum at large d, THEORY.md 1): trained minus Haar
//     <= zSE se + 0.015, "no worse than Haar" up to a finite-training
//     allowance: the Adam noise of lr 1e-3 on 3000 images leaves the trained
//     pair +0.0075 to +0.0105 above Haar (5 seeds, sd 0.0011); 0.015 is the
//     largest plus 4 sd. (At lr 1e-4 and with 10000 images the drift is
//     below 0.001 at r = 1/2.)
//   - zca (heavy-tailed coordinates, kurtosis ~16): trained minus Haar <=
//     -0.105 + zSE se (with se 0.0045: -0.085, still above the frozen encoder's -0.076). Measured -0.136 to -0.139 (5 seeds, se 0.0045). With
//     the encoder frozen (only A trained, dB dropped) the same training gives
//     -0.075 to -0.077 (se 0.0035): a trained decoder alone exploits the
//     heavy tails too. The bound is the midpoint, so the encoder's own part
//     of the gain (0.06, 13 se) must be there.
//
// Planted bugs (checked, then removed): the encoder frozen (Adam step of B
// skipped in core/train's SGD step) fails the zca bound (-0.077 ± 0.0035
// against -0.095); batches drawn from the first tenth of the training rows
// only fail both (pca +0.21, zca +0.10: the model overfits 300 images).
// Cost: about 4.5 s per case (the zca training is 300 steps at n = 196,
// d = 784), 2 cases by default, 6 under ONEBIT_LONG=1.
func TestImagesTrainedEncoderMNIST(t *testing.T) {
	sets := mnistDomains(t)
	cases := 2
	if long() {
		cases = 6
	}
	props := gopter.NewProperties(params(1415, cases))
	props.Property("trained encoder vs haar", prop.ForAll(func(seed uint64) bool {
		ok := true
		for _, c := range []struct {
			dom        data.Domain
			r          float64
			upper, sig float64 // diff <= upper + sig se
		}{
			{data.PCA, 0.5, 0.015, zSE},
			{data.ZCA, 0.25, -0.105, zSE},
		} {
			set := sets[c.dom]
			d := set.xte.Cols
			n := int(math.Round(c.r * float64(d)))
			rng := rand.New(rand.NewPCG(seed, uint64(d)))
			b, err := amp.HaarRows(rng, n, d)
			if err != nil {
				t.Fatal(err)
			}
			haar, diff, se := trainedVsHaar(t, set.xtr, set.xte, b, 300, rng)
			t.Logf("%s r=%g seed %d: haar %.4f, trained - haar %+.4f ± %.4f", c.dom, c.r, seed, haar, diff, se)
			if diff > c.upper+c.sig*se {
				t.Logf("%s r=%g: trained - haar %+.4f ± %.4f, want <= %+.3f + %g se", c.dom, c.r, diff, se, c.upper, c.sig)
				ok = false
			}
		}
		return ok
	}, gen.UInt64()))
	props.TestingRun(t)
}
