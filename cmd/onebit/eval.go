package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/seed05b1c944/onebit/core/amp"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/experiment"
	"github.com/seed05b1c944/onebit/theory"
)

func init() {
	register(command{name: "eval", summary: "measure a fixed decoder (linear, denoiser, gamp, vamp) on a random encoder against theory", run: runEval})
}

// evalPoint is one measured loss with its prediction.
type evalPoint struct {
	Iter       int     `json:"iter,omitempty"`
	Loss       float64 `json:"loss"`
	StdErr     float64 `json:"stderr"`
	Prediction float64 `json:"prediction"`
}

// evalResult is the output of onebit eval.
type evalResult struct {
	Prior   string  `json:"prior"`
	Rate    float64 `json:"rate"`
	Dim     int     `json:"dim"`
	Bits    int     `json:"bits"`
	Encoder string  `json:"encoder"`
	Decoder string  `json:"decoder"`
	Iters   int     `json:"iters,omitempty"`
	Samples int     `json:"samples"`
	Seed    uint64  `json:"seed"`
	evalPoint
	// Trajectory is the loss after each iteration (gamp, vamp).
	Trajectory []evalPoint `json:"trajectory,omitempty"`
}

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", stderr)
	priorFlag := fs.String("prior", "bg:0.1", "data prior: gaussian, bg:P or sr:P with P in (0, 1]")
	rate := fs.Float64("rate", 1, "rate r = n/d, r > 0 (r <= 1 for the haar encoder)")
	dim := fs.Int("dim", 500, "signal dimension d >= 2")
	encFlag := fs.String("encoder", "haar", "haar (orthonormal rows) or gaussian (i.i.d. N(0, 1/d))")
	decFlag := fs.String("decoder", "denoiser", "linear, denoiser (shallow + MMSE denoiser), gamp (gaussian encoder) or vamp (haar encoder)")
	iters := fs.Int("iters", 10, "iterations T of gamp/vamp, >= 1")
	samples := fs.Int("samples", 400, "fresh signals, >= 2")
	seed := fs.Uint64("seed", 1, "random seed")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	p, err := prior.Parse(*priorFlag)
	if err != nil {
		return usagef("flag -prior: %v", err)
	}
	ch, err := prior.AsChannel(p)
	if err != nil {
		return usagef("flag -prior: %v", err)
	}
	enc, err := theory.ParseEncoder(*encFlag)
	if err != nil {
		return usagef("flag -encoder: %v", err)
	}
	if err := checkShape(p, *rate, *dim, *samples); err != nil {
		return err
	}
	n := experiment.Bits(*rate, *dim)
	switch {
	case enc == theory.Haar && n > *dim:
		return usagef("flag -rate: %v > 1; the haar encoder needs r <= 1", *rate)
	case *iters < 1 || *iters > maxIters:
		return usagef("flag -iters: %d, want 1 <= T <= %d", *iters, maxIters)
	}
	switch *decFlag {
	case "linear", "denoiser":
	case "gamp":
		if enc != theory.IIDGaussian {
			return usagef("flag -decoder: gamp needs -encoder gaussian")
		}
	case "vamp":
		if enc != theory.Haar {
			return usagef("flag -decoder: vamp needs -encoder haar")
		}
	default:
		return usagef("flag -decoder: %q, want linear, denoiser, gamp or vamp", *decFlag)
	}
	rng := rand.New(rand.NewPCG(*seed, 3))
	var b *mat.Dense[float64]
	ens := model.HaarEnsemble
	if enc == theory.Haar {
		b, err = amp.HaarRows(rng, n, *dim)
	} else {
		b, err = amp.GaussianRows(rng, n, *dim)
		ens = model.IIDEnsemble
	}
	if err != nil {
		return err
	}
	x := mat.New[float64](*samples, *dim)
	prior.Fill(p, rng, x.Data)
	y := mat.New[float64](*samples, n)
	model.Encode(y, b, x)
	q := model.Energies(x)
	r := float64(n) / float64(*dim)
	res := evalResult{Prior: p.Name(), Rate: r, Dim: *dim, Bits: n, Encoder: enc.String(), Decoder: *decFlag, Samples: *samples, Seed: *seed}
	switch *decFlag {
	case "linear", "denoiser":
		var sh *model.Shallow
		if *decFlag == "linear" {
			sh, err = model.NewShallowLinear(b, ens)
		} else {
			sh, err = model.NewShallowMMSE(b, ch, ens)
		}
		if err != nil {
			return err
		}
		xh := mat.New[float64](*samples, *dim)
		sh.Decode(xh, y)
		l := make([]float64, *samples)
		est := model.SignalLosses(x, xh, l)
		res.Loss, res.StdErr = est.Mean, est.StdErr
		snr, err := shallowSNR(enc, r)
		if err != nil {
			return err
		}
		if *decFlag == "linear" {
			res.Prediction = 1 / (1 + snr)
		} else if res.Prediction, err = prior.MMSE(ch, snr); err != nil {
			return err
		}
	default:
		res.Iters = *iters
		var ar *amp.Result
		if *decFlag == "gamp" {
			ar, err = amp.GAMP(b, y, ch, *iters, x)
		} else {
			ar, err = amp.VAMP(b, y, ch, *iters, x)
		}
		if err != nil {
			return err
		}
		se, err := theory.StateEvolution(p, r, enc, theory.SEOptions{Iters: *iters})
		if err != nil {
			return err
		}
		for t := range *iters {
			est := model.ControlVariate(ar.MSE[t], q, 1)
			res.Trajectory = append(res.Trajectory, evalPoint{Iter: t + 1, Loss: est.Mean, StdErr: est.StdErr, Prediction: se.Trajectory[t]})
		}
		res.evalPoint = res.Trajectory[*iters-1]
		res.evalPoint.Iter = 0
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, "prior %s, r = %.4g (n = %d), d = %d, %s encoder, %s decoder, %d signals, seed %d\n",
		res.Prior, res.Rate, res.Bits, res.Dim, res.Encoder, res.Decoder, res.Samples, res.Seed)
	for _, pt := range res.Trajectory {
		fmt.Fprintf(stdout, "iter %3d    %.5f ± %.5f   (state evolution %.5f)\n", pt.Iter, pt.Loss, pt.StdErr, pt.Prediction)
	}
	fmt.Fprintf(stdout, "loss        %.5f ± %.5f\nprediction  %.5f (d -> infinity)\n", res.Loss, res.StdErr, res.Prediction)
	return nil
}

// shallowSNR is the snr of the shallow statistic B^T s for the encoder
// ensemble (THEORY.md 5, 7.1).
func shallowSNR(enc theory.Encoder, r float64) (float64, error) {
	if enc == theory.Haar {
		return theory.ShallowSNR(r)
	}
	return theory.IIDShallowSNR(r)
}
