package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/experiment"
	"github.com/seed05b1c944/onebit/theory"
)

func init() {
	register(command{
		name:    "theory",
		summary: "print a prediction: theory gauss|denoiser|phase|se --prior P --rate R [--encoder haar|gaussian] [--iters T] [--json]",
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

func theoryPhase(f theoryFlags, res *theoryResult) error {
	if f.rate != 1 {
		return usagef("flag --rate: %v, the identity-versus-rotation comparison is at r = 1", f.rate)
	}
	ph := theory.PhaseR1(f.p)
	res.IdentitySymmetric, res.IdentityPlusOne, res.Rotation = &ph.IdentitySymmetric, &ph.IdentityPlusOne, &ph.Rotation
	res.Value, res.Winner = ph.Rotation, "rotation"
	if ph.IdentityPlusOne < ph.Rotation {
		res.Value, res.Winner = ph.IdentityPlusOne, "identity"
	}
	res.Section = "docs/THEORY.md 4.1"
	res.Formula = "identity: 1 - (E|x|)^2 (symmetric decoder or fair ties), 1 - (E|x|)^2/(1-q^2) (sign(0)=+1, affine); rotation: 1 - 2/pi"
	res.Note = "value: the better structure with sign(0) = +1 and the best affine decoder"
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
		fmt.Fprintf(w, "identity (symmetric decoder / fair ties) %.6f\nidentity (sign(0)=+1, affine decoder)    %.6f\nrotation                                 %.6f\nwinner %s\n",
			*res.IdentitySymmetric, *res.IdentityPlusOne, *res.Rotation, res.Winner)
		for _, k := range []string{"symmetric", "plus_one_affine"} {
			if v, ok := res.Critical[k]; ok {
				fmt.Fprintf(w, "critical p (%s) %.10f\n", k, v)
			}
		}
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
