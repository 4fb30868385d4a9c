package theory

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/seed05b1c944/onebit/core/prior"
)

// PhaseFormula is the text of the closed forms of THEORY.md 4.1, with
// a = E|x| and q = P(x = 0).
const PhaseFormula = "identity: 1 - (E|x|)^2 (symmetric decoder or fair ties), " +
	"1 - (E|x|)^2/(1-q^2) (sign(0)=+1, affine; finite d: times 1 - q^2/(1-q^2+d q^2)); " +
	"rotation: 1 - 2/pi (finite d: + kappa/(2 pi (d+2))); blocks: 1 - tr(M C^+ M^T)/k, enumerated"

// Convention names a tie rule with its decoder class at r = 1 (THEORY.md 4.2):
// "coin" is fair-coin ties with the optimal linear decoder, "plus1" is
// sign(0) = +1 with the optimal affine decoder (at finite d: the optimal full
// linear decoder), "tied" is the decoder c B^T.
const (
	ConventionCoin  = "coin"
	ConventionPlus1 = "plus1"
	ConventionTied  = "tied"
)

// PhaseCandidate is the loss at r = 1 of one candidate encoder structure
// under one convention.
type PhaseCandidate struct {
	Structure  string  `json:"structure"`  // identity, rotation, haar-k, hadamard-k
	K          int     `json:"k"`          // block size (1: identity; 0: full rotation)
	Convention string  `json:"convention"` // coin, plus1, tied
	Dim        int     `json:"dim"`        // 0: d -> infinity; else the exact finite-d value
	Loss       float64 `json:"loss"`
	// StdErr is the Monte Carlo standard error of a Haar block average
	// (k >= 3, see HaarBlockLosses); 0 for exact values.
	StdErr float64 `json:"stderr"`
	// Method says how Loss is computed: closed form, enumeration,
	// Edgeworth (O(1/d^2) error), or Monte Carlo over Haar blocks.
	Method string `json:"method"`
}

// PhaseCritical is the sparsity at which the identity and the rotation
// have equal loss, for one convention (THEORY.md 4.1).
type PhaseCritical struct {
	Convention string  `json:"convention"`
	Dim        int     `json:"dim"` // 0: d -> infinity
	P          float64 `json:"p"`
}

// PhaseReport lists every candidate structure at r = 1 for one prior
// (THEORY.md 4.1, 4.2) with the winner of each convention.
type PhaseReport struct {
	Prior      string           `json:"prior"`
	Dim        int              `json:"dim"`
	Candidates []PhaseCandidate `json:"candidates"`
	// Winner maps a convention to the candidate of lowest loss among the
	// d -> infinity values of that convention (the rotation's value is the
	// same in every convention).
	Winner map[string]PhaseCandidate `json:"winner"`
	// Critical holds the critical p of the prior's one-parameter family
	// (SR(p): identity versus rotation); empty if the identity never wins
	// (BG) or the prior is not a family.
	Critical []PhaseCritical `json:"critical"`
	Note     string          `json:"note,omitempty"`
	Formula  string          `json:"formula"`
}

// RotationLossFiniteD is the finite-d loss of a Haar rotation at r = 1 with
// the decoder sqrt(2/pi) B^T: 1 - 2/pi + kappa/(2 pi (d+2)) (Edgeworth,
// THEORY.md 1(a), 4.1), exact to O(1/d^2).
func RotationLossFiniteD(p prior.Prior, d int) (float64, error) {
	return FiniteDLinearLoss(1, p.ExcessKurtosis(), d)
}

// PhaseOptions configures PhaseCandidates.
type PhaseOptions struct {
	// Dim adds the exact finite-d values (identity with sign(0) = +1 and the
	// full linear decoder, Hadamard blocks that divide Dim, the rotation's
	// Edgeworth value) and the finite-d critical p; 0 for none.
	Dim int
	// MaxHaar is the largest Haar block size (default 7; 1 to 7).
	MaxHaar int
	Haar    HaarOptions
}

// PhaseCandidates computes every candidate of THEORY.md 4.1–4.2 for p: the
// identity (fair ties, and sign(0) = +1 with an affine decoder), the Haar
// rotation, Haar k-blocks (k = 2..MaxHaar) and Hadamard blocks (k = 2, 4, 8)
// under the coin, plus1 and tied conventions, the winner of each convention
// and the critical p of SR. Blocks need a prior with mixture components
// (atoms, or centred Gaussians); for any other prior they are left out and
// Note says so.
func PhaseCandidates(p prior.Prior, opt PhaseOptions) (PhaseReport, error) {
	opt, err := checkPhaseOptions(opt)
	if err != nil {
		return PhaseReport{}, err
	}
	rep := PhaseReport{Prior: p.Name(), Dim: opt.Dim, Winner: map[string]PhaseCandidate{}, Formula: PhaseFormula}
	rep.Candidates = closedFormCandidates(p)
	if _, ok := p.(blockPrior); ok {
		blocks, err := blockCandidates(p, opt)
		rep.Candidates = append(rep.Candidates, blocks...)
		if err != nil {
			return rep, err
		}
	} else {
		rep.Note = "blocks need a prior given by mixture components (atoms or centred Gaussians); left out"
	}
	rep.Winner = phaseWinners(rep.Candidates)
	if opt.Dim > 0 {
		finite, err := finiteDCandidates(p, opt.Dim)
		rep.Candidates = append(rep.Candidates, finite...)
		if err != nil {
			return rep, err
		}
	}
	crit, err := phaseCritical(p, opt.Dim)
	if err != nil {
		return rep, err
	}
	rep.Critical = crit
	return rep, nil
}

// phaseConventions are the conventions of THEORY.md 4.2 in the order of
// BlockLosses' fields (Sym, PlusOne, Tied).
var phaseConventions = [3]string{ConventionCoin, ConventionPlus1, ConventionTied}

// checkPhaseOptions fills in the default MaxHaar (7) and checks the ranges
// of MaxHaar (1 to 7) and Dim (0 to 2^24).
func checkPhaseOptions(opt PhaseOptions) (PhaseOptions, error) {
	if opt.MaxHaar == 0 {
		opt.MaxHaar = 7
	}
	if opt.MaxHaar < 1 || opt.MaxHaar > 7 {
		return opt, fmt.Errorf("theory: largest Haar block %d, want 1 to 7", opt.MaxHaar)
	}
	if opt.Dim < 0 || opt.Dim > 1<<24 {
		return opt, fmt.Errorf("theory: dimension %d, want 0 (d -> infinity) or 1 to %d", opt.Dim, 1<<24)
	}
	return opt, nil
}

// closedFormCandidates are the d -> infinity closed forms of THEORY.md 4.1:
// the rotation (1 - 2/pi in every convention) and the identity under each
// convention.
func closedFormCandidates(p prior.Prior) []PhaseCandidate {
	var out []PhaseCandidate
	ro := RotationLoss()
	for _, cv := range phaseConventions {
		out = append(out, PhaseCandidate{Structure: "rotation", Convention: cv, Loss: ro, Method: "closed form 1 - 2/pi"})
	}
	return append(out,
		PhaseCandidate{Structure: "identity", K: 1, Convention: ConventionCoin, Loss: IdentityLoss(p, FairCoin, Symmetric), Method: "closed form 1 - (E|x|)^2"},
		PhaseCandidate{Structure: "identity", K: 1, Convention: ConventionPlus1, Loss: IdentityLoss(p, PlusOne, Affine), Method: "closed form 1 - (E|x|)^2/(1-q^2)"},
		PhaseCandidate{Structure: "identity", K: 1, Convention: ConventionTied, Loss: IdentityLoss(p, PlusOne, Symmetric), Method: "closed form 1 - (E|x|)^2"})
}

// blockCandidates are the d -> infinity block candidates of THEORY.md 4.2
// for a prior with mixture components: Haar k-blocks (k = 2..opt.MaxHaar,
// HaarBlockLosses) and Hadamard blocks (k = 2, 4, 8 within MaxBlockStates,
// BlockLossesOf), each under the three conventions. On an error it returns
// the candidates computed so far.
func blockCandidates(p prior.Prior, opt PhaseOptions) ([]PhaseCandidate, error) {
	var out []PhaseCandidate
	for k := 2; k <= opt.MaxHaar; k++ {
		h, err := HaarBlockLosses(p, k, opt.Haar)
		if err != nil {
			return out, err
		}
		method := "enumeration per block, quadrature over the rotation angle"
		if h.MonteCarlo {
			method = fmt.Sprintf("enumeration per block, Monte Carlo over %d Haar blocks", h.Rotations)
		}
		for i, cv := range phaseConventions {
			out = append(out, PhaseCandidate{Structure: fmt.Sprintf("haar-%d", k), K: k, Convention: cv,
				Loss: [3]float64{h.Mean.Sym, h.Mean.PlusOne, h.Mean.Tied}[i], StdErr: [3]float64{h.SE.Sym, h.SE.PlusOne, h.SE.Tied}[i], Method: method})
		}
	}
	for _, k := range []int{2, 4, 8} {
		q, _ := Hadamard(k)
		l, err := BlockLossesOf(p, q, k)
		if errors.Is(err, errTooManyStates) {
			continue
		}
		if err != nil {
			return out, err
		}
		for i, cv := range phaseConventions {
			out = append(out, PhaseCandidate{Structure: fmt.Sprintf("hadamard-%d", k), K: k, Convention: cv,
				Loss: [3]float64{l.Sym, l.PlusOne, l.Tied}[i], Method: "enumeration, exact"})
		}
	}
	return out, nil
}

// phaseWinners maps each convention to its candidate of lowest loss
// (THEORY.md 4.2). Ties within rounding (1e-12; e.g. every orthogonal block
// gives 1 - 2/pi for Gaussian data) keep the candidate listed first.
func phaseWinners(cands []PhaseCandidate) map[string]PhaseCandidate {
	win := map[string]PhaseCandidate{}
	for _, c := range cands {
		if w, ok := win[c.Convention]; !ok || c.Loss < w.Loss-1e-12 {
			win[c.Convention] = c
		}
	}
	return win
}

// finiteDCandidates are the exact values at dimension d of the plus1
// convention (THEORY.md 4.1, 4.2): the identity with the full linear
// decoder, the rotation's Edgeworth value and, for a prior with mixture
// components, the Hadamard blocks that divide d. On an error it returns the
// candidates computed so far.
func finiteDCandidates(p prior.Prior, d int) ([]PhaseCandidate, error) {
	var out []PhaseCandidate
	li, err := IdentityLossFiniteD(p, d)
	if err != nil {
		return out, err
	}
	out = append(out, PhaseCandidate{Structure: "identity", K: 1, Convention: ConventionPlus1, Dim: d, Loss: li, Method: "closed form, exact at d (full linear decoder)"})
	lr, err := RotationLossFiniteD(p, d)
	if err != nil {
		return out, err
	}
	out = append(out, PhaseCandidate{Structure: "rotation", Convention: ConventionPlus1, Dim: d, Loss: lr, Method: "Edgeworth 1 - 2/pi + kappa/(2 pi (d+2)), error O(1/d^2)"})
	if _, ok := p.(blockPrior); !ok {
		return out, nil
	}
	for _, k := range []int{2, 4, 8} {
		if d%k != 0 {
			continue
		}
		q, _ := Hadamard(k)
		b, err := NewBlockCode(p, q, k, PlusOne)
		if err != nil {
			continue
		}
		l, err := b.FullLinearLossFiniteD(d)
		if err != nil {
			return out, err
		}
		out = append(out, PhaseCandidate{Structure: fmt.Sprintf("hadamard-%d", k), K: k, Convention: ConventionPlus1, Dim: d, Loss: l, Method: "enumeration, exact at d (full linear decoder)"})
	}
	return out, nil
}

// phaseCritical returns the critical p of SR(p) (closed forms, and at finite
// d the bisection of the exact identity against the Edgeworth rotation, if
// they cross); none for other priors.
func phaseCritical(p prior.Prior, d int) ([]PhaseCritical, error) {
	if !strings.HasPrefix(p.Name(), "sr:") {
		return nil, nil
	}
	out := []PhaseCritical{
		{Convention: ConventionCoin, P: CriticalSR(FairCoin, Symmetric)},
		{Convention: ConventionPlus1, P: CriticalSR(PlusOne, Affine)},
	}
	if d > 0 {
		// At small d the finite-d identity and rotation need not cross on
		// [0.05, 1]; then there is no finite-d critical p to report.
		if pc, err := CriticalSRFiniteD(d); err == nil {
			out = append(out, PhaseCritical{Convention: ConventionPlus1, Dim: d, P: pc})
		}
	}
	return out, nil
}

// CriticalSRFiniteD is the p at which, at dimension d, the exact identity
// loss with sign(0) = +1 and the full linear decoder (IdentityLossFiniteD)
// equals the rotation's finite-d value (RotationLossFiniteD) for SR(p), by
// bisection on [0.05, 1] (THEORY.md 4.1). It tends to (4 - pi)/2.
func CriticalSRFiniteD(d int) (float64, error) {
	if d < 1 {
		return 0, fmt.Errorf("theory: dimension d = %d, want d >= 1", d)
	}
	g := func(t float64) float64 {
		sr := prior.SparseRademacher{P: t}
		li, _ := IdentityLossFiniteD(sr, d)
		lr, _ := RotationLossFiniteD(sr, d)
		return li - lr
	}
	lo, hi := 0.05, 1.0
	if g(lo) <= 0 || g(hi) >= 0 {
		return math.NaN(), fmt.Errorf("theory: no identity-rotation crossing for SR at d = %d", d)
	}
	for range 200 {
		m := lo + (hi-lo)/2
		if m <= lo || m >= hi {
			break
		}
		if g(m) > 0 {
			lo = m
		} else {
			hi = m
		}
	}
	return lo + (hi-lo)/2, nil
}
