package theory

import (
	"fmt"
	"math"

	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/core/prior/quad"
)

// SignChannelI is the sign-channel integral (THEORY.md 1, 7)
//
//	I(kappa) = ∫ Dxi phi(kappa xi)^2 / (Phi(kappa xi) Phi(-kappa xi)),
//
// with Dxi the standard normal measure. The integrand's ratio is
// h(u) h(-u) with h the inverse Mills ratio, which is finite for every u, so
// no tail needs special care. I(0) = 2/pi, I decreases in kappa and
// kappa I(kappa) -> 0.720647 as kappa -> inf. Computed by adaptive
// Gauss–Kronrod quadrature over xi >= 0 (the integrand is even), with panels
// at multiples of the integrand's width 1/sqrt(1+kappa^2).
func SignChannelI(kappa float64) (float64, error) {
	if !(kappa >= 0) || math.IsInf(kappa, 0) {
		return 0, fmt.Errorf("theory: sign-channel integral at kappa = %v, want a finite kappa >= 0", kappa)
	}
	if kappa == 0 {
		return 2 / math.Pi, nil
	}
	f := func(xi float64) float64 {
		u := kappa * xi
		return math.Exp(-xi*xi/2) / math.Sqrt(2*math.Pi) * prior.InverseMills(u) * prior.InverseMills(-u)
	}
	w := 1 / math.Sqrt(1+kappa*kappa)
	var buf [16]float64
	pts := append(buf[:0], 0)
	for _, j := range [...]float64{0.25, 0.5, 1, 2, 3, 5, 8, 13, 14} {
		pts = append(pts, j*w)
	}
	v, est, ok := quad.Integrate(f, pts, 1e-300, 1e-13)
	if !ok {
		return 0, fmt.Errorf("theory: sign-channel integral at kappa = %v did not converge (error estimate %g)", kappa, est)
	}
	return 2 * v, nil
}

// ShallowSNR is the snr of the effective scalar channel of the shallow
// decoder u = B^T sign(Bx) with a row-orthogonal (Haar) encoder at rate
// 0 < r <= 1 (THEORY.md 5):
//
//	u_i ≈ mu x_i + sigma g,  mu = sqrt(2/pi) r,  sigma^2 = r (1 - 2r/pi),
//	snr = mu^2/sigma^2 = 2r/(pi - 2r).
func ShallowSNR(r float64) (float64, error) {
	if !(r > 0 && r <= 1) {
		return 0, fmt.Errorf("theory: row-orthogonal encoder needs a rate 0 < r <= 1, got %v", r)
	}
	return 2 * r / (math.Pi - 2*r), nil
}

// ShallowChannel returns the gain mu = sqrt(2/pi) r and the noise variance
// sigma^2 = r (1 - 2r/pi) of the effective channel u_i ≈ mu x_i + sigma g of
// ShallowSNR (THEORY.md 5).
func ShallowChannel(r float64) (mu, sigma2 float64, err error) {
	if _, err := ShallowSNR(r); err != nil {
		return 0, 0, err
	}
	return math.Sqrt(2/math.Pi) * r, r * (1 - 2*r/math.Pi), nil
}

// IIDShallowSNR is the snr 2r/pi of the matched filter B^T sign(Bx) for an
// i.i.d. Gaussian encoder B_ij ~ N(0, 1/d) at any rate r > 0 (THEORY.md 7.1:
// gain sqrt(2/pi) r, noise variance r). It is below ShallowSNR for every r.
func IIDShallowSNR(r float64) (float64, error) {
	if !(r > 0) || math.IsInf(r, 0) {
		return 0, fmt.Errorf("theory: rate r = %v, want a finite r > 0", r)
	}
	return 2 * r / math.Pi, nil
}

// DenoiserLoss is the loss of the shallow decoder followed by the
// coordinate-wise MMSE denoiser, x_hat_i = eta_P(u_i/mu; 1/snr), as d -> inf
// (THEORY.md 5): mmse_P(snr) with snr = ShallowSNR(r) for a Haar encoder
// (r <= 1) or IIDShallowSNR(r) for an i.i.d. Gaussian one (any r > 0).
// With the Gaussian prior it equals 1 - 2r/pi (Haar): the denoiser is then linear.
func DenoiserLoss(p prior.Prior, r float64, enc Encoder) (float64, error) {
	c, err := prior.AsChannel(p)
	if err != nil {
		return 0, err
	}
	var snr float64
	switch enc {
	case Haar:
		snr, err = ShallowSNR(r)
	case IIDGaussian:
		snr, err = IIDShallowSNR(r)
	default:
		err = fmt.Errorf("theory: unknown encoder %v", enc)
	}
	if err != nil {
		return 0, err
	}
	return prior.MMSE(c, snr)
}

// Encoder is the random encoder ensemble a prediction refers to.
type Encoder int

const (
	// Haar is a row-orthogonal encoder: n orthonormal rows of a Haar
	// rotation of R^d (needs r <= 1).
	Haar Encoder = iota
	// IIDGaussian has i.i.d. N(0, 1/d) entries.
	IIDGaussian
)

// String returns "haar" or "gaussian", the spellings ParseEncoder accepts.
func (e Encoder) String() string {
	switch e {
	case Haar:
		return "haar"
	case IIDGaussian:
		return "gaussian"
	}
	return fmt.Sprintf("Encoder(%d)", int(e))
}

// ParseEncoder reads "haar" or "gaussian".
func ParseEncoder(s string) (Encoder, error) {
	switch s {
	case "haar":
		return Haar, nil
	case "gaussian", "iid":
		return IIDGaussian, nil
	}
	return 0, fmt.Errorf("theory: encoder %q, want haar or gaussian", s)
}

// ShallowEncoderSNR is the snr of the shallow statistic B^T s for the
// encoder ensemble: ShallowSNR for Haar rows (r <= 1), IIDShallowSNR for
// i.i.d. Gaussian rows (THEORY.md 5, 7.1).
func ShallowEncoderSNR(enc Encoder, r float64) (float64, error) {
	if enc == Haar {
		return ShallowSNR(r)
	}
	return IIDShallowSNR(r)
}
