package theory

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	gmat "gonum.org/v1/gonum/mat"

	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/core/prior/quad"
)

// MaxBlockStates caps the number of block states BlockCode enumerates
// (components^k): 3^8 = 6561 covers SR blocks up to the Hadamard k = 8.
const MaxBlockStates = 1 << 16

var errTooManyStates = errors.New("more block states than MaxBlockStates")

// BlockLosses are the losses per coordinate at r = 1 of the block-diagonal
// encoder B = blockdiag(Q, Q, ...) (THEORY.md 4.2), one per decoder
// convention, as d -> infinity (blocks are independent, so the loss of the
// whole encoder is the loss of one block):
//
//	Sym:     fair-coin ties, optimal linear decoder:   1 - tr(M C^+ M^T)/k
//	PlusOne: sign(0) = +1, optimal affine decoder:     1 - tr(M Cc^+ M^T)/k
//	Tied:    sign(0) = +1, decoder c Q^T (Q orthogonal): 1 - (mean_i E|q_i . x|)^2
//
// with M = E[x s^T], C = E[s s^T], Cc = C - E s E s^T over one block and ^+
// the pseudo-inverse. The tied value holds for either tie rule (||Q^T s||^2 = k).
type BlockLosses struct {
	Sym, PlusOne, Tied float64
}

// BlockCode holds the exact moments of the code s = sign(Q x) of one k-block
// x ~ P^k under one tie rule (THEORY.md 4.2), enumerated over the states of
// the block (see NewBlockCode).
type BlockCode struct {
	K    int
	Mu   []float64 // E s (k)
	C    []float64 // E s s^T (k x k)
	M    []float64 // E x s^T (k x k): M[j*k+i] = E x_j s_i
	AbsZ []float64 // E |q_i . x| (k)
}

// blockPrior is a prior given by its mixture components
// (prior.Gaussian, BernoulliGaussian, SparseRademacher and Mixture).
type blockPrior interface {
	Components() []prior.Component
}

// NewBlockCode computes the moments of s = sign(Q x) for one block x ~ P^k
// exactly, by enumerating the (number of components)^k states of the block
// (THEORY.md 4.2). Q is k x k row-major. Two kinds of prior are supported:
//
//   - all components atoms (Var = 0; SR(p), any discrete prior): each state
//     is one point x, s_i = sign(q_i . x), and a tie q_i . x = 0 gives
//     s_i = +1 (PlusOne) or a fair coin (E[s_i | x] = 0, FairCoin);
//   - all components centred Gaussians (Mean = 0, an atom at 0 allowed;
//     Gaussian, BG(p)): each state is a support pattern with x | state ~
//     N(0, Sigma), K = Q Sigma Q^T, and (THEORY.md 2.1)
//     E[x_j s_i] = sqrt(2/pi) Q_ij Sigma_jj / sqrt(K_ii),
//     E[s_i s_j] = (2/pi) arcsin(K_ij / sqrt(K_ii K_jj)),
//     E|z_i| = sqrt(2/pi) sqrt(K_ii); a row with K_ii = 0 ties.
//
// The result is exact up to rounding; there is no sampling.
func NewBlockCode(p prior.Prior, q []float64, k int, ties Ties) (*BlockCode, error) {
	cs, states, atoms, err := blockComponents(p, q, k)
	if err != nil {
		return nil, err
	}
	b := &BlockCode{K: k, Mu: make([]float64, k), C: make([]float64, k*k), M: make([]float64, k*k), AbsZ: make([]float64, k)}
	st := newBlockState(cs, q, k, atoms, ties)
	for range states {
		if w := st.load(); w > 0 {
			st.code()
			if !atoms {
				st.crossCovariance()
			}
			st.addMoments(b, w)
		}
		st.next()
	}
	return b, nil
}

// blockComponents checks the arguments of NewBlockCode and returns the
// prior's mixture components, the number of block states
// (components^k <= MaxBlockStates) and whether every component is an atom
// (else every component is a centred Gaussian; THEORY.md 4.2).
func blockComponents(p prior.Prior, q []float64, k int) (cs []prior.Component, states int, atoms bool, err error) {
	bp, ok := p.(blockPrior)
	if !ok {
		return nil, 0, false, fmt.Errorf("theory: block code of %s: the prior has no mixture components", p.Name())
	}
	cs = bp.Components()
	if k < 1 || len(q) != k*k {
		return nil, 0, false, fmt.Errorf("theory: block of size k = %d with %d entries, want k >= 1 and k*k entries", k, len(q))
	}
	states = 1
	for range k {
		states *= len(cs)
		if states > MaxBlockStates {
			return nil, 0, false, fmt.Errorf("theory: block of size %d over %d components: %w (%d)", k, len(cs), errTooManyStates, MaxBlockStates)
		}
	}
	atoms, centred := true, true
	for _, c := range cs {
		atoms = atoms && c.Var == 0
		centred = centred && c.Mean == 0
	}
	if !atoms && !centred {
		return nil, 0, false, fmt.Errorf("theory: block code of %s: want all components atoms or all centred Gaussians", p.Name())
	}
	for _, v := range q {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, false, errors.New("theory: block matrix has a NaN or infinite entry")
		}
	}
	return cs, states, atoms, nil
}

// c2pi is 2/pi, the factor of E[s_i s_j] = (2/pi) arcsin(rho_ij) (THEORY.md 2.1).
const c2pi = 2 / math.Pi

// blockState is the enumeration of NewBlockCode: the current state of the
// block (one component index per coordinate, advanced like an odometer)
// and the conditional quantities of the code in that state.
type blockState struct {
	k     int
	atoms bool    // all components atoms (else centred Gaussians)
	tie   float64 // E[s_i | tie]: 1 (PlusOne) or 0 (FairCoin)
	vmax  float64 // largest component variance (scale of the centred tie test)
	s2pi  float64 // sqrt(2/pi)
	cs    []prior.Component
	q     []float64 // Q, k x k row-major
	idx   []int     // component of each coordinate in this state
	x     []float64 // atoms: the state; centred: the variances
	z     []float64 // atoms: q_i . x; centred: K_ii
	e     []float64 // E[s_i | state]
	tied  []bool    // row i ties in this state
	kk    []float64 // centred: K = Q Sigma Q^T (lower triangle)
}

func newBlockState(cs []prior.Component, q []float64, k int, atoms bool, ties Ties) *blockState {
	tie := 1.0
	if ties == FairCoin {
		tie = 0
	}
	return &blockState{k: k, atoms: atoms, tie: tie, vmax: maxVar(cs), s2pi: math.Sqrt(c2pi), cs: cs, q: q,
		idx: make([]int, k), x: make([]float64, k), z: make([]float64, k), e: make([]float64, k),
		tied: make([]bool, k), kk: make([]float64, k*k)}
}

// load sets x to the current state (the atoms, or the variances of the
// Gaussian components) and returns its probability prod_j weight(idx_j).
func (st *blockState) load() float64 {
	w := 1.0
	for j, c := range st.idx {
		w *= st.cs[c].Weight
		if st.atoms {
			st.x[j] = st.cs[c].Mean
		} else {
			st.x[j] = st.cs[c].Var
		}
	}
	return w
}

// code sets, per row i, z_i (atoms: q_i . x; centred: K_ii = sum_j q_ij^2
// Sigma_jj), whether the row ties (z_i = 0 up to rounding) and
// E[s_i | state]: sign(z_i) for atoms, 0 for centred Gaussians, the tie
// value on a tie (THEORY.md 4.2).
func (st *blockState) code() {
	k, x := st.k, st.x
	for i := range k {
		row := st.q[i*k : (i+1)*k]
		var s, scale float64
		for j, qij := range row {
			if st.atoms {
				s += qij * x[j]
				scale += math.Abs(qij * x[j])
			} else {
				s += qij * qij * x[j]
				scale += qij * qij
			}
		}
		st.z[i] = s
		if st.atoms {
			st.tied[i] = math.Abs(s) <= 1e-12*scale
		} else {
			st.tied[i] = s <= 1e-12*scale*st.vmax
		}
		switch {
		case st.tied[i]:
			st.e[i] = st.tie
		case st.atoms:
			st.e[i] = math.Copysign(1, s)
		default:
			st.e[i] = 0
		}
	}
}

// crossCovariance sets the lower triangle of K = Q Sigma Q^T (centred
// Gaussian components; Sigma = diag(x)).
func (st *blockState) crossCovariance() {
	k, q, x := st.k, st.q, st.x
	for i := range k {
		for j := range i {
			var s float64
			for l := range k {
				s += q[i*k+l] * q[j*k+l] * x[l]
			}
			st.kk[i*k+j] = s
		}
	}
}

// addMoments adds w times the conditional moments of the current state to
// b: E s, E|z|, E x s^T (atoms: x_j e_i; centred: sqrt(2/pi) Q_ij Sigma_jj /
// sqrt(K_ii)) and E s s^T (THEORY.md 2.1, 4.2).
func (st *blockState) addMoments(b *BlockCode, w float64) {
	k, q, x, z, e := st.k, st.q, st.x, st.z, st.e
	for i := range k {
		b.Mu[i] += w * e[i]
		switch {
		case st.atoms:
			b.AbsZ[i] += w * math.Abs(z[i])
			for j := range k {
				b.M[j*k+i] += w * x[j] * e[i]
			}
		case !st.tied[i]:
			b.AbsZ[i] += w * st.s2pi * math.Sqrt(z[i])
			for j := range k {
				b.M[j*k+i] += w * st.s2pi * q[i*k+j] * x[j] / math.Sqrt(z[i])
			}
		}
		b.C[i*k+i] += w
		for j := range i {
			sij := st.pairMoment(i, j)
			b.C[i*k+j] += w * sij
			b.C[j*k+i] += w * sij
		}
	}
}

// pairMoment is E[s_i s_j | state] for j < i: e_i e_j for atoms or two tied
// rows, (2/pi) arcsin(K_ij / sqrt(K_ii K_jj)) for two untied centred rows,
// and 0 for one tied and one untied centred row (THEORY.md 2.1).
func (st *blockState) pairMoment(i, j int) float64 {
	switch {
	case st.atoms || (st.tied[i] && st.tied[j]):
		return st.e[i] * st.e[j]
	case !st.tied[i] && !st.tied[j]:
		rho := st.kk[i*st.k+j] / math.Sqrt(st.z[i]*st.z[j])
		return c2pi * math.Asin(max(-1, min(1, rho)))
	}
	return 0
}

// next advances idx to the next state (odometer).
func (st *blockState) next() {
	for j := range st.idx {
		st.idx[j]++
		if st.idx[j] < len(st.cs) {
			break
		}
		st.idx[j] = 0
	}
}

func maxVar(cs []prior.Component) float64 {
	var v float64
	for _, c := range cs {
		v = max(v, c.Var)
	}
	return v
}

// explained is tr(M S^+ M^T) for the k x k symmetric positive semi-definite
// S, with the pseudo-inverse over eigenvalues above 1e-12 of the largest.
// It also returns t = u^T S^+ u and v = M S^+ u for a vector u (nil: skip).
func explained(k int, m, s, u []float64) (tr, t float64, v []float64, ok bool) {
	var eig gmat.EigenSym
	if !eig.Factorize(gmat.NewSymDense(k, append([]float64(nil), s...)), true) {
		return 0, 0, nil, false
	}
	lam := eig.Values(nil)
	var vec gmat.Dense
	eig.VectorsTo(&vec)
	lmax := 0.0
	for _, l := range lam {
		lmax = max(lmax, l)
	}
	if u != nil {
		v = make([]float64, k)
	}
	mv := make([]float64, k)
	for l, ll := range lam {
		if !(ll > 1e-12*lmax) {
			continue
		}
		for j := range k { // (M v_l)_j
			var a float64
			for i := range k {
				a += m[j*k+i] * vec.At(i, l)
			}
			mv[j] = a
			tr += a * a / ll
		}
		if u != nil {
			var uv float64
			for i := range k {
				uv += u[i] * vec.At(i, l)
			}
			t += uv * uv / ll
			for j := range k {
				v[j] += mv[j] * uv / ll
			}
		}
	}
	return tr, t, v, true
}

// LinearLoss is 1 - tr(M C^+ M^T)/k: the loss per coordinate of the optimal
// linear decoder without bias for this block code (THEORY.md 4.2); with
// fair-coin ties E s = 0 and it is also the optimal affine loss.
func (b *BlockCode) LinearLoss() (float64, error) {
	tr, _, _, ok := explained(b.K, b.M, b.C, nil)
	if !ok {
		return 0, errors.New("theory: eigen-decomposition of the code covariance failed")
	}
	return 1 - tr/float64(b.K), nil
}

// covariance returns Cc = C - mu mu^T.
func (b *BlockCode) covariance() []float64 {
	cc := append([]float64(nil), b.C...)
	for i := range b.K {
		for j := range b.K {
			cc[i*b.K+j] -= b.Mu[i] * b.Mu[j]
		}
	}
	return cc
}

// AffineLoss is 1 - tr(M Cc^+ M^T)/k: the loss per coordinate of the
// optimal affine decoder (THEORY.md 4.1, 4.2); it is also the d -> infinity
// limit of the optimal full linear decoder of blockdiag(Q, Q, ...).
func (b *BlockCode) AffineLoss() (float64, error) {
	tr, _, _, ok := explained(b.K, b.M, b.covariance(), nil)
	if !ok {
		return 0, errors.New("theory: eigen-decomposition of the code covariance failed")
	}
	return 1 - tr/float64(b.K), nil
}

// FullLinearLossFiniteD is the exact loss at dimension d (a multiple of k)
// of the encoder blockdiag(Q, ..., Q) (m = d/k copies) with the optimal full
// linear decoder A (d x d, no bias). The code's second moment is
// I_m (x) Cc + (1_m (x) mu)(1_m (x) mu)^T, and Sherman–Morrison gives
//
//	L_d = AffineLoss + (1/d) m |v|^2 / (1 + m t),   v = M Cc^+ mu,  t = mu^T Cc^+ mu,
//
// which for the identity (k = 1, mu = q, Cc = 1 - q^2, M = E|x|) is the
// formula of THEORY.md 4.1, 1 - a^2/(1-q^2) (1 - q^2/(1 - q^2 + d q^2)).
// If mu has a component outside the range of Cc, some combination of the
// codes is a non-zero constant, which is an exact bias: L_d = AffineLoss.
func (b *BlockCode) FullLinearLossFiniteD(d int) (float64, error) {
	if d < b.K || d%b.K != 0 {
		return 0, fmt.Errorf("theory: dimension d = %d, want a positive multiple of the block size %d", d, b.K)
	}
	cc := b.covariance()
	tr, t, v, ok := explained(b.K, b.M, cc, b.Mu)
	if !ok {
		return 0, errors.New("theory: eigen-decomposition of the code covariance failed")
	}
	k := float64(b.K)
	aff := 1 - tr/k
	// Component of mu outside range(Cc): |mu|^2 - mu^T Cc Cc^+ mu, tested
	// through |Cc^+ ... | indirectly: the projection of mu on the range.
	var mu2 float64
	for _, u := range b.Mu {
		mu2 += u * u
	}
	if mu2 == 0 {
		return aff, nil
	}
	if outsideRange(b.K, cc, b.Mu) > 1e-9*mu2 {
		return aff, nil
	}
	m := float64(d) / k
	var v2 float64
	for _, vj := range v {
		v2 += vj * vj
	}
	return aff + m*v2/(1+m*t)/float64(d), nil
}

// outsideRange is |u - P u|^2 with P the projection on the range of the
// symmetric S (eigenvalues above 1e-12 of the largest).
func outsideRange(k int, s, u []float64) float64 {
	var eig gmat.EigenSym
	if !eig.Factorize(gmat.NewSymDense(k, append([]float64(nil), s...)), true) {
		return math.Inf(1)
	}
	lam := eig.Values(nil)
	var vec gmat.Dense
	eig.VectorsTo(&vec)
	lmax := 0.0
	for _, l := range lam {
		lmax = max(lmax, l)
	}
	var u2, in float64
	for _, x := range u {
		u2 += x * x
	}
	for l, ll := range lam {
		if ll > 1e-12*lmax {
			var a float64
			for i := range k {
				a += u[i] * vec.At(i, l)
			}
			in += a * a
		}
	}
	return max(0, u2-in)
}

// TiedLoss is 1 - (mean_i E|q_i . x|)^2, the loss of the best decoder
// c Q^T for an orthogonal Q (THEORY.md 4.2).
func (b *BlockCode) TiedLoss() float64 {
	var a float64
	for _, v := range b.AbsZ {
		a += v
	}
	a /= float64(b.K)
	return 1 - a*a
}

// BlockLossesOf returns the three losses of BlockLosses for the block Q
// (k x k, row-major, orthogonal for Tied to be meaningful).
func BlockLossesOf(p prior.Prior, q []float64, k int) (BlockLosses, error) {
	coin, err := NewBlockCode(p, q, k, FairCoin)
	if err != nil {
		return BlockLosses{}, err
	}
	plus, err := NewBlockCode(p, q, k, PlusOne)
	if err != nil {
		return BlockLosses{}, err
	}
	var l BlockLosses
	if l.Sym, err = coin.LinearLoss(); err != nil {
		return l, err
	}
	if l.PlusOne, err = plus.AffineLoss(); err != nil {
		return l, err
	}
	l.Tied = plus.TiedLoss()
	return l, nil
}

// Hadamard returns the k x k Sylvester Hadamard matrix scaled to be
// orthogonal (entries ±1/sqrt(k)), k a power of two.
func Hadamard(k int) ([]float64, error) {
	if k < 1 || k&(k-1) != 0 || k > 1<<10 {
		return nil, fmt.Errorf("theory: Hadamard block of size %d, want a power of two up to 1024", k)
	}
	h := []float64{1}
	for n := 1; n < k; n *= 2 {
		g := make([]float64, 4*n*n)
		for i := range n {
			for j := range n {
				v := h[i*n+j]
				g[i*2*n+j], g[i*2*n+n+j] = v, v
				g[(n+i)*2*n+j], g[(n+i)*2*n+n+j] = v, -v
			}
		}
		h = g
	}
	s := 1 / math.Sqrt(float64(k))
	for i := range h {
		h[i] *= s
	}
	return h, nil
}

// HaarOptions sets the average over Haar blocks of HaarBlockLosses.
type HaarOptions struct {
	// Rotations is the number of Haar rotations averaged for k >= 3
	// (default 1000).
	Rotations int
	// Seed fixes the rotations, so the result is a deterministic function
	// of (prior, k, Rotations, Seed) (default 1).
	Seed uint64
}

// HaarBlock is the Haar average of BlockLosses over Q in O(k) with its
// standard error (zero where the average is exact).
type HaarBlock struct {
	K          int
	Mean, SE   BlockLosses
	Rotations  int  // rotations averaged (0: exact)
	MonteCarlo bool // the average over Q is a Monte Carlo estimate
}

// HaarBlockLosses averages BlockLossesOf over Q ~ Haar(O(k)) (THEORY.md 4.2).
// Each Q is evaluated exactly (NewBlockCode enumerates the block's states);
// the average over Q is done as follows:
//
//   - k = 1: Q = ±1, the identity; exact.
//   - k = 2: Q = R(theta) D, D = diag(1, ±1); D flips the sign of x_2,
//     which leaves P^2 and x = 0 invariant, so the Haar average is the
//     average over theta uniform on [0, 2 pi), done by adaptive
//     Gauss–Kronrod quadrature (relative tolerance 1e-10) with panel ends at
//     every angle where a row of R(theta) is orthogonal to a state (the
//     kinks of E|q.x| and the jumps of the sign patterns), so it is exact to
//     quadrature accuracy. For atoms the coin and plus1 losses are constant
//     between those angles (THEORY.md 4.2: every generic angle gives the
//     same loss); the tied loss is not.
//   - k >= 3: the loss is piecewise constant on O(k) with cells bounded by
//     the hyperplanes q_i . x = 0, whose Haar measures have no closed form.
//     This is the one place theory averages over random draws (the
//     documented exception to "no sampling in theory/"): a Monte Carlo mean
//     over opt.Rotations Haar rotations (Gram–Schmidt of a Gaussian matrix,
//     PCG seeded by opt.Seed), deterministic for a given seed, with the
//     standard error sd/sqrt(Rotations) (same rotations for all three
//     conventions, so their differences are paired).
func HaarBlockLosses(p prior.Prior, k int, opt HaarOptions) (HaarBlock, error) {
	if opt.Rotations == 0 {
		opt.Rotations = 1000
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	if opt.Rotations < 2 || opt.Rotations > 1<<20 {
		return HaarBlock{}, fmt.Errorf("theory: %d Haar rotations, want 2 to %d", opt.Rotations, 1<<20)
	}
	if k < 1 || k > 16 {
		return HaarBlock{}, fmt.Errorf("theory: Haar block of size %d, want 1 to 16", k)
	}
	switch k {
	case 1:
		l, err := BlockLossesOf(p, []float64{1}, 1)
		return HaarBlock{K: 1, Mean: l}, err
	case 2:
		return haarTwoBlock(p)
	}
	rng := rand.New(rand.NewPCG(opt.Seed, uint64(k)))
	q := make([]float64, k*k)
	var s1, s2 [3]float64
	for range opt.Rotations {
		haar(rng, q, k)
		l, err := BlockLossesOf(p, q, k)
		if err != nil {
			return HaarBlock{}, err
		}
		for i, v := range [3]float64{l.Sym, l.PlusOne, l.Tied} {
			s1[i] += v
			s2[i] += v * v
		}
	}
	n := float64(opt.Rotations)
	var mean, se [3]float64
	for i := range s1 {
		mean[i] = s1[i] / n
		se[i] = math.Sqrt(max(0, s2[i]/n-mean[i]*mean[i]) / (n - 1))
	}
	return HaarBlock{K: k, Rotations: opt.Rotations, MonteCarlo: true,
		Mean: BlockLosses{mean[0], mean[1], mean[2]}, SE: BlockLosses{se[0], se[1], se[2]}}, nil
}

// haar fills q (k x k row-major) with a Haar-distributed orthogonal matrix:
// Gram–Schmidt (twice, for orthogonality to rounding) on the rows of an
// i.i.d. Gaussian matrix, which is the QR construction with a positive
// diagonal of R.
func haar(rng *rand.Rand, q []float64, k int) {
	for i := range q {
		q[i] = rng.NormFloat64()
	}
	for i := range k {
		r := q[i*k : (i+1)*k]
		for range 2 {
			for j := range i {
				o := q[j*k : (j+1)*k]
				var d float64
				for l := range k {
					d += r[l] * o[l]
				}
				for l := range k {
					r[l] -= d * o[l]
				}
			}
		}
		var nn float64
		for _, v := range r {
			nn += v * v
		}
		nn = 1 / math.Sqrt(nn)
		for l := range r {
			r[l] *= nn
		}
	}
}

// haarTwoBlock averages BlockLossesOf over R(theta), theta uniform on
// [0, 2 pi), by quadrature (see HaarBlockLosses).
func haarTwoBlock(p prior.Prior) (HaarBlock, error) {
	bp, ok := p.(blockPrior)
	if !ok {
		return HaarBlock{}, fmt.Errorf("theory: block code of %s: the prior has no mixture components", p.Name())
	}
	pts := []float64{}
	for i := range 9 {
		pts = append(pts, float64(i)*math.Pi/4)
	}
	norm := func(t float64) float64 {
		t = math.Mod(t, 2*math.Pi)
		if t < 0 {
			t += 2 * math.Pi
		}
		return t
	}
	for _, a := range bp.Components() {
		for _, b := range bp.Components() {
			if a.Mean == 0 && b.Mean == 0 {
				continue
			}
			// cos t a - sin t b = 0 and sin t a + cos t b = 0.
			for _, t := range []float64{math.Atan2(a.Mean, b.Mean), math.Atan2(-b.Mean, a.Mean)} {
				pts = append(pts, norm(t), norm(t+math.Pi))
			}
		}
	}
	var firstErr error
	at := func(t float64) BlockLosses {
		c, s := math.Cos(t), math.Sin(t)
		l, err := BlockLossesOf(p, []float64{c, -s, s, c}, 2)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return l
	}
	var mean [3]float64
	for i := range mean {
		f := func(t float64) float64 {
			l := at(t)
			return [3]float64{l.Sym, l.PlusOne, l.Tied}[i]
		}
		v, _, ok := quad.Integrate(f, append([]float64(nil), pts...), 1e-12, 1e-10)
		if firstErr != nil {
			return HaarBlock{}, firstErr
		}
		if !ok {
			return HaarBlock{}, fmt.Errorf("theory: Haar 2-block average of %s did not converge", p.Name())
		}
		mean[i] = v / (2 * math.Pi)
	}
	return HaarBlock{K: 2, Mean: BlockLosses{mean[0], mean[1], mean[2]}}, nil
}
