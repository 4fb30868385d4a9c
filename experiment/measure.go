package experiment

import (
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/train"
)

// Measured is a Monte Carlo loss with its standard error and its
// prediction from theory/. Every experiment, eval and train report their
// numbers as Measured.
type Measured struct {
	Loss       float64 `json:"loss"`
	StdErr     float64 `json:"stderr"`
	Prediction float64 `json:"prediction"`
}

// GapSE is (Loss - Prediction) / StdErr, the gap in standard errors.
func (m Measured) GapSE() float64 { return (m.Loss - m.Prediction) / m.StdErr }

// measured pairs an estimate with its prediction.
func measured(e model.Estimate, pred float64) Measured {
	return Measured{Loss: e.Mean, StdErr: e.StdErr, Prediction: pred}
}

// measure is the control-variate estimate of the mean per-signal loss
// (control q_s = ||x_s||^2/d, whose mean is 1; model.ControlVariate) with
// its prediction.
func measure(losses, q []float64, pred float64) Measured {
	return measured(model.ControlVariate(losses, q, 1), pred)
}

// shallowDecode decodes the codes of set with sh.
func shallowDecode(sh *model.Shallow, set train.SignalSet) *mat.Dense[float64] {
	xh := mat.New[float64](set.X.Rows, set.X.Cols)
	sh.Decode(xh, set.Y)
	return xh
}

// shallowLosses returns the per-signal losses (1/d) ||x_s - x_hat_s||^2 of
// the shallow decoder sh on set.
func shallowLosses(sh *model.Shallow, set train.SignalSet) []float64 {
	l := make([]float64, set.X.Rows)
	model.SignalLosses(set.X, shallowDecode(sh, set), l)
	return l
}

// Paired is the mean of a paired difference of per-signal losses.
type Paired struct {
	Mean   float64 `json:"mean"`
	StdErr float64 `json:"stderr"`
}

func paired(a, b []float64) Paired {
	e := model.PairedDifference(a, b)
	return Paired{Mean: e.Mean, StdErr: e.StdErr}
}
