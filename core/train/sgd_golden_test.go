package train

import (
	"context"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
)

// sgdChecksum trains a small model for a few steps on the prior p (tied
// decoder start, so both gradients are nonzero from step 1) and returns an
// FNV-64a hash of the bits of A and B and of the float64 losses.
func sgdChecksum(t *testing.T, p prior.Prior, sur Surrogate) uint64 {
	t.Helper()
	rng := rand.New(rand.NewPCG(21, 22))
	m64 := model.New[float64](24, 12)
	m64.InitGaussian(rng)
	m64.SetTiedDecoder(1 / math.Sqrt(24))
	m := model.Convert[float32](m64)
	losses, err := SGD(context.Background(), m, p, rng, SGDConfig{Steps: 7, Batch: 16, Surrogate: sur})
	if err != nil {
		t.Fatal(err)
	}
	h := fnv.New64a()
	var buf [8]byte
	put := func(u uint64) {
		for i := range buf {
			buf[i] = byte(u >> (8 * i))
		}
		h.Write(buf[:])
	}
	for _, v := range m.A.Data {
		put(uint64(math.Float32bits(v)))
	}
	for _, v := range m.B.Data {
		put(uint64(math.Float32bits(v)))
	}
	for _, l := range losses {
		put(math.Float64bits(l))
	}
	return h.Sum64()
}

// TestSGDPriorPathUnchanged holds the prior-sampling path of SGD bit for bit
// to the checksums computed with main's code before the batch sources of
// sgd_data.go were added (commit 92e3ddb): dense Gaussian batches with both
// surrogates, and BG(0.1) batches, which take the sparse products. Any change
// of the random stream, the step's arithmetic or its order changes them.
// The kernel tiers round differently, so the checksums are pinned per tier
// (avx512 and avx2 agree here; go under -tags purego).
func TestSGDPriorPathUnchanged(t *testing.T) {
	for _, c := range []struct {
		name string
		p    prior.Prior
		sur  Surrogate
		want map[string]uint64 // by kernel tier
	}{
		{"gaussian/ste", prior.Gaussian{}, StraightThrough, map[string]uint64{"avx512": 0x19df400984bd6910, "avx2": 0x19df400984bd6910, "go": 0x918edb1ecc6d9c52}},
		{"gaussian/tanh", prior.Gaussian{}, AnnealedTanh, map[string]uint64{"avx512": 0xb4288dea1774aa8d, "avx2": 0xb4288dea1774aa8d, "go": 0x8679f009c4f8665e}},
		{"bg0.1/ste", prior.BernoulliGaussian{P: 0.1}, StraightThrough, map[string]uint64{"avx512": 0x95df24ec7ec25f8b, "avx2": 0x95df24ec7ec25f8b, "go": 0x5244547917036d4c}},
	} {
		want, ok := c.want[kernel.TierName()]
		if !ok {
			t.Skipf("no checksum pinned for kernel tier %q", kernel.TierName())
		}
		got := sgdChecksum(t, c.p, c.sur)
		if got != want {
			t.Errorf("%s: checksum %#x, want %#x (main's prior path)", c.name, got, want)
		}
	}
}
