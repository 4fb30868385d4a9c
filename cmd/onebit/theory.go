package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/experiment"
	"github.com/seed05b1c944/onebit/theory"
)

func init() {
	register(command{
		name:    "theory",
		summary: "print a prediction: theory gauss|denoiser|phase|se --prior P --rate R [--encoder haar|gaussian] [--iters T] [--dim d] [--json]",
		run:     runTheory,
	})
}

// theoryResult is the JSON form of every theory subcommand: "value" is the
// loss the prediction gives; the other fields depend on the prediction.
type theoryResult struct {
	Prediction string  `json:"prediction"`
	Prior      string  `json:"prior"`
	Rate       float64 `json:"rate"`
	Encoder    string  `json:"encoder,omitempty"`
	Value      float64 `json:"value"`
	Formula    string  `json:"formula"`
	Section    string  `json:"section"`
	Conjecture bool    `json:"conjecture,omitempty"`
	Note       string  `json:"note,omitempty"`

	// denoiser
	SNR *float64 `json:"snr,omitempty"`

	// phase
	IdentitySymmetric *float64           `json:"identity_symmetric,omitempty"`
	IdentityPlusOne   *float64           `json:"identity_plus_one,omitempty"`
	Rotation          *float64           `json:"rotation,omitempty"`
	Winner            string             `json:"winner,omitempty"`
	Critical          map[string]float64 `json:"critical,omitempty"`
	// Dim is the phase report's finite d (0: d -> infinity only).
	Dim int `json:"dim,omitempty"`
	// Candidates lists every structure of THEORY.md 4.1-4.2 under each
	// convention (coin, plus1, tied); Winners the best of each convention;
	// CriticalP the critical p of each convention (SR).
	Candidates []theory.PhaseCandidate          `json:"candidates,omitempty"`
	Winners    map[string]theory.PhaseCandidate `json:"winners,omitempty"`
	CriticalP  []theory.PhaseCritical           `json:"critical_p,omitempty"`

	// se
	Algorithm          string    `json:"algorithm,omitempty"`
	Trajectory         []float64 `json:"trajectory,omitempty"`
	FixedPoint         *float64  `json:"fixed_point,omitempty"`
	Iterations         int       `json:"iterations,omitempty"`
	InformedFixedPoint *float64  `json:"informed_fixed_point,omitempty"`
}

// theoryFlags are the flags shared by the theory subcommands.
type theoryFlags struct {
	p       prior.Prior
	rate    float64
	enc     theory.Encoder
	iters   int
	damping float64
	dim     int
	json    bool
}

// theoryPredictions maps each subcommand to the function that fills its result.
var theoryPredictions = map[string]func(f theoryFlags, res *theoryResult) error{
	"gauss": theoryGauss, "denoiser": theoryDenoiser, "phase": theoryPhase, "se": theorySE,
}

func runTheory(args []string, stdout, stderr io.Writer) error {
	const subs = "gauss, denoiser, phase or se"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprintf(stdout, "usage: onebit theory %s [flags]; onebit theory <prediction> -h lists the flags\n", strings.ReplaceAll(subs, " or ", "|"))
		return nil
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usagef("want a prediction: %s", subs)
	}
	sub := args[0]
	predict, ok := theoryPredictions[sub]
	if !ok {
		return usagef("unknown prediction %q, want %s", sub, subs)
	}
	f, err := parseTheoryFlags(sub, args[1:], stderr)
	if err != nil {
		return err
	}
	res := theoryResult{Prediction: sub, Prior: f.p.Name(), Rate: f.rate}
	if err := predict(f, &res); err != nil {
		return err
	}
	if f.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(res)
	}
	return printTheory(stdout, res)
}

func parseTheoryFlags(sub string, args []string, stderr io.Writer) (theoryFlags, error) {
	var f theoryFlags
	fs := newFlagSet("theory "+sub, stderr)
	priorName := fs.String("prior", "gaussian", "prior: gaussian, bg:P or sr:P")
	fs.Float64Var(&f.rate, "rate", math.NaN(), "rate r = n/d (phase: 1)")
	encName := fs.String("encoder", "haar", "encoder ensemble: haar (row-orthogonal, r <= 1) or gaussian (i.i.d.)")
	fs.IntVar(&f.iters, "iters", 0, "se: trajectory length (0: until the fixed point)")
	fs.Float64Var(&f.damping, "damping", 0, "se: damping in [0, 1)")
	fs.IntVar(&f.dim, "dim", 0, "phase: also the exact finite-d losses at this d (0: d -> infinity only)")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return f, err
	}
	var err error
	if f.p, err = prior.Parse(*priorName); err != nil {
		return f, usagef("flag --prior: %v", err)
	}
	if f.enc, err = theory.ParseEncoder(*encName); err != nil {
		return f, usagef("flag --encoder: %q, want haar or gaussian", *encName)
	}
	if f.iters < 0 || f.iters > experiment.MaxIters {
		return f, usagef("flag --iters: %d, want 0 <= T <= %d", f.iters, experiment.MaxIters)
	}
	if !(f.damping >= 0 && f.damping < 1) {
		return f, usagef("flag --damping: %v, want a value in [0, 1)", f.damping)
	}
	if f.dim < 0 || f.dim > maxPhaseDim {
		return f, usagef("flag --dim: %d, want 0 (d -> infinity) or 1 to %d", f.dim, maxPhaseDim)
	}
	if f.dim != 0 && sub != "phase" {
		return f, usagef("flag --dim: only for phase")
	}
	if sub == "phase" && math.IsNaN(f.rate) {
		f.rate = 1
	}
	rateSet := false
	fs.Visit(func(fl *flag.Flag) { rateSet = rateSet || fl.Name == "rate" })
	if math.IsNaN(f.rate) && !rateSet {
		return f, usagef("flag --rate: required")
	}
	if !(f.rate > 0) || math.IsInf(f.rate, 0) {
		return f, usagef("flag --rate: %v, want a finite r > 0", f.rate)
	}
	return f, nil
}

func theoryGauss(f theoryFlags, res *theoryResult) (err error) {
	res.Value, err = theory.GaussEquivalentLoss(f.rate)
	res.Section = "docs/THEORY.md 1"
	res.Formula = "1 - 2r/pi (r <= 1); (pi-2)/(pi-2+2r) (r > 1)"
	if theory.IsConjecture(f.rate) {
		res.Conjecture = true
		res.Note = "r > 1: the tight-frame value; that it is optimal is a conjecture checked numerically, not a theorem"
	}
	return err
}

func theoryDenoiser(f theoryFlags, res *theoryResult) (err error) {
	if f.enc == theory.Haar && f.rate > 1 {
		return usagef("flag --rate: %v, the haar encoder needs r <= 1 (use --encoder gaussian)", f.rate)
	}
	res.Encoder = f.enc.String()
	snr, err := theory.ShallowEncoderSNR(f.enc, f.rate)
	if err != nil {
		return err
	}
	res.Formula = map[theory.Encoder]string{theory.Haar: "mmse_P(2r/(pi - 2r))", theory.IIDGaussian: "mmse_P(2r/pi)"}[f.enc]
	res.SNR = &snr
	res.Section = "docs/THEORY.md 5"
	res.Value, err = theory.DenoiserLoss(f.p, f.rate, f.enc)
	return err
}

// maxPhaseDim bounds --dim of theory phase.
const maxPhaseDim = 1 << 24

// theoryPhase fills the r = 1 comparison (THEORY.md 4): every candidate
// structure under each convention, the winner of each, and the critical p.
// Value and Winner are the best candidate with onebit's convention
// sign(0) = +1 and the best affine decoder (at d -> infinity); the
// identity-versus-rotation fields keep the two extremes.
func theoryPhase(f theoryFlags, res *theoryResult) error {
	if f.rate != 1 {
		return usagef("flag --rate: %v, the identity-versus-rotation comparison is at r = 1", f.rate)
	}
	ph := theory.PhaseR1(f.p)
	res.IdentitySymmetric, res.IdentityPlusOne, res.Rotation = &ph.IdentitySymmetric, &ph.IdentityPlusOne, &ph.Rotation
	rep, err := theory.PhaseCandidates(f.p, theory.PhaseOptions{Dim: f.dim})
	if err != nil {
		return err
	}
	w := rep.Winner[theory.ConventionPlus1]
	res.Value, res.Winner = w.Loss, w.Structure
	res.Dim, res.Candidates, res.Winners, res.CriticalP = f.dim, rep.Candidates, rep.Winner, rep.Critical
	res.Section = "docs/THEORY.md 4.1, 4.2"
	res.Formula = rep.Formula
	res.Note = "value: the best candidate with sign(0) = +1 and the best affine decoder, d -> infinity; Haar k-blocks with k >= 3 are Monte Carlo averages over Haar blocks (stderr given)"
	if rep.Note != "" {
		res.Note += "; " + rep.Note
	}
	if _, sr := f.p.(prior.SparseRademacher); sr {
		res.Critical = map[string]float64{
			"symmetric":       theory.CriticalSR(theory.FairCoin, theory.Symmetric),
			"plus_one_affine": theory.CriticalSR(theory.PlusOne, theory.Affine),
		}
	}
	return nil
}

func theorySE(f theoryFlags, res *theoryResult) error {
	if f.enc == theory.Haar && f.rate > 1 {
		return usagef("flag --rate: %v, VAMP needs a row-orthogonal (haar) encoder with r <= 1 (use --encoder gaussian)", f.rate)
	}
	res.Encoder = f.enc.String()
	res.Algorithm = map[theory.Encoder]string{theory.Haar: "vamp", theory.IIDGaussian: "gamp"}[f.enc]
	se, err := theory.StateEvolution(f.p, f.rate, f.enc, theory.SEOptions{Iters: f.iters, Damping: f.damping})
	if err != nil {
		return err
	}
	res.Value, res.Trajectory, res.Iterations = se.FixedPoint, se.Trajectory, se.Iterations
	res.FixedPoint, res.InformedFixedPoint = &se.FixedPoint, &se.Informed
	res.Section = "docs/THEORY.md 7, 8"
	res.Formula = map[theory.Encoder]string{
		theory.Haar:        "gw = 1/mmse(gx) - gx, gx' = gw r I(sqrt(gw-1))/(1 - r I(sqrt(gw-1))), MSE = mmse(gx)",
		theory.IIDGaussian: "mhat = (r/V) I(sqrt((1-V)/V)), V' = mmse(mhat)",
	}[f.enc]
	if se.HasSecondFixedPoint() {
		res.Note = fmt.Sprintf("two fixed points: %.10g from the uninformed start (what the algorithm reaches), %.10g from the informed start", se.FixedPoint, se.Informed)
	}
	return nil
}

func printTheory(w io.Writer, res theoryResult) error {
	fmt.Fprintf(w, "%s  prior %s  rate %g", res.Prediction, res.Prior, res.Rate)
	if res.Encoder != "" {
		fmt.Fprintf(w, "  encoder %s", res.Encoder)
	}
	fmt.Fprintf(w, "\nvalue %.10f   %s   (%s)\n", res.Value, res.Formula, res.Section)
	if res.SNR != nil {
		fmt.Fprintf(w, "snr %.10f\n", *res.SNR)
	}
	if res.Rotation != nil {
		printPhase(w, res)
	}
	if res.FixedPoint != nil {
		fmt.Fprintf(w, "%s fixed point %.10f after %d iterations; informed start %.10g\n", res.Algorithm, *res.FixedPoint, res.Iterations, *res.InformedFixedPoint)
		for t, v := range res.Trajectory {
			fmt.Fprintf(w, "t=%d  %.10f\n", t+1, v)
		}
	}
	if res.Note != "" {
		fmt.Fprintf(w, "note: %s\n", res.Note)
	}
	return nil
}

// printPhase writes the candidate table of theory phase, the winner of each
// convention and the critical p.
func printPhase(w io.Writer, res theoryResult) {
	fmt.Fprintf(w, "conventions: coin = fair-coin ties, optimal linear decoder; plus1 = sign(0)=+1, optimal affine decoder "+
		"(at finite d: full linear decoder); tied = decoder c B^T\n")
	fmt.Fprintf(w, "%-11s %2s  %-6s %5s  %-10s %-9s %s\n", "structure", "k", "conv", "d", "loss", "stderr", "method")
	for _, c := range res.Candidates {
		d := "inf"
		if c.Dim > 0 {
			d = strconv.Itoa(c.Dim)
		}
		fmt.Fprintf(w, "%-11s %2d  %-6s %5s  %.6f   %.6f  %s\n", c.Structure, c.K, c.Convention, d, c.Loss, c.StdErr, c.Method)
	}
	for _, cv := range []string{theory.ConventionCoin, theory.ConventionPlus1, theory.ConventionTied} {
		if c, ok := res.Winners[cv]; ok {
			fmt.Fprintf(w, "winner (%s) %s %.6f\n", cv, c.Structure, c.Loss)
		}
	}
	for _, c := range res.CriticalP {
		d := "d -> inf"
		if c.Dim > 0 {
			d = fmt.Sprintf("d = %d", c.Dim)
		}
		fmt.Fprintf(w, "critical p, identity vs rotation (%s, %s) %.10f\n", c.Convention, d, c.P)
	}
}
