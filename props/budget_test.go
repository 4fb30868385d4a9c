package props

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// zSE is the band, in standard errors, of every Monte Carlo assertion of the
// props: an assertion fails when its estimate is more than zSE se beyond the
// prediction (plus a stated finite-size allowance on the side where the
// finite-d offset lies). One Gaussian tail beyond 4.5 se has probability
// 3.4e-6; with the multiplicities below the suite stays under its budget.
const zSE = 4.5

// gapSE is the gap, in standard errors, above which a prop asserts a strict
// ordering (difference beyond zSE se in the predicted direction): its
// false-failure probability is that of a tail at gapSE - zSE.
const gapSE = 10

// falseFailure is one group of statistical assertions of the test suite:
// Tails one-sided Gaussian tails at K standard errors (a two-sided
// assertion counts 2, multiplied by gopter cases, iterations and
// quantities at the fast sizes). Its false-failure probability, by the
// union bound, is Tails x P(Z > K). Assertions of the form "strictly better
// where the gap is at least G se" count with K = G - z.
type falseFailure struct {
	Pkg   string // directory from the repository root
	Test  string // test function
	What  string
	K     float64
	Tails int
}

func (f falseFailure) P() float64 { return float64(f.Tails) * 0.5 * math.Erfc(f.K/math.Sqrt2) }

// budget is the registry of the statistical assertions of `make test` (fast
// sizes). A new Monte Carlo assertion must be entered here.
var budget = []falseFailure{
	{"props", "TestTrainedLossMatchesPrediction", "loss >= R - z se, Edgeworth band lower and upper; 5 cases", zSE, 5 * 3},
	{"props", "TestAMPMatchesStateEvolution", "MC - SE_t two-sided; 6 cases x 5 iterations", zSE, 6 * 5 * 2},
	{"props", "TestScalarChannelMonteCarlo", "MC mmse two-sided; 6 priors x 1 snr", zSE, 6 * 2},
	{"props", "TestEffectiveChannelHaar", "mu, sigma^2, residual kurtosis, denoiser loss two-sided; 3 cases", zSE, 3 * 4 * 2},
	{"props", "TestShallowDenoiser", "MMSE two-sided, spline - MMSE, spline - linear; 9 cases", zSE, 9 * 4},
	{"props", "TestShallowDenoiser", "spline strictly better where the gap >= gapSE se; 9 cases", gapSE - zSE, 9},
	{"props", "TestDecoderOrdering", "3 orderings >= -z se, unrolled vs fixed point and SE_T; 6 cases", zSE, 6 * 5},
	{"props", "TestDecoderOrdering", "orderings strict where the gap >= gapSE se; 6 cases x 3", gapSE - zSE, 6 * 3},
	{"props", "TestDecoderOrdering", "gaussian: denoiser - unrolled two-sided; 6 cases", zSE, 6 * 2},
	{"props", "TestUnrolledTrainingNeverWorse", "learned - fixed <= z se_paired; 2 rates", zSE, 2},
	{"core/prior", "TestMoments", "4 moments two-sided and the zero mass; 5 priors", 5, 5 * 5 * 2},
	{"core/model", "TestMonteCarloLossExact", "MC loss two-sided", 5, 2},
	{"core/train", "TestSGDReachesGaussianLimit", "SGD loss band; 2 surrogates", 4, 2 * 2},
	{"core/train", "TestSampleMaskProbability", "binomial count two-sided; 3 values of p", 5, 3 * 2},
	{"experiment", "TestEncodersOutputs", "Haar linear loss band", 5, 2},
	{"core/amp", "TestEncoderEdgeShapesAndScale", "||B||_F^2 of GaussianRows two-sided", 5, 2},
	{"props", "TestHaarLinearEnergies", "Haar linear loss vs the energy-exact value, two-sided; 4 cases", zSE, 4 * 2},
	{"props", "TestImagesMNIST", "pca linear two-sided, denoiser not worse (2 domains), zca half gain; 3 cases", zSE, 3 * 5},
	{"props", "TestPhaseBlockFormulasMonteCarlo", "block loss vs MC two-sided; 6 cases", zSE, 6 * 2},
	{"props", "TestPhaseIdentityFiniteD", "finite-d identity vs MC two-sided; 3 cases", zSE, 3 * 2},
	{"props", "TestPhaseRotationFiniteD", "finite-d rotation vs MC two-sided; 2 priors", zSE, 2 * 2},
	{"props", "TestJointShallowReachesPrediction", "above prediction, above Haar, above linear, one-sided; 2 cases", zSE, 2 * 3},
	{"props", "TestImagesTrainedEncoderMNIST", "trained - Haar below its bound, one-sided; 2 cases x 2 domains", zSE, 2 * 2},
	{"props", "TestJointUnrolledVsFixedVAMP", "loss rise, joint - fixed, above SE, one-sided; 1 case", zSE, 3},
}

// TestFalseFailureBudget sums the registry: the probability that `make test`
// fails on correct code with fresh seeds (ONEBIT_SEED=fresh) must stay at or
// below 1e-3. It also checks that every registered test exists, so the
// registry cannot silently drift from the code.
func TestFalseFailureBudget(t *testing.T) {
	var total float64
	for _, f := range budget {
		total += f.P()
		t.Logf("%-12s %-34s %6.2f se x %3d tails: %.2e  (%s)", f.Pkg, f.Test, f.K, f.Tails, f.P(), f.What)
		if !testExists(t, f.Pkg, f.Test) {
			t.Errorf("registry names %s.%s, which does not exist", f.Pkg, f.Test)
		}
	}
	t.Logf("suite false-failure probability (union bound): %.2e", total)
	if total > 1e-3 {
		t.Errorf("false-failure total %.2e exceeds the budget 1e-3", total)
	}
}

func testExists(t *testing.T, pkg, name string) bool {
	dir := filepath.Join("..", pkg)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "func "+name+"(t *testing.T)") {
			return true
		}
	}
	return false
}

// literalBand matches a band written as a number times a standard error
// (4*se, 3.5*sd, ...), which would escape the registry.
var literalBand = regexp.MustCompile(`\b\d+(\.\d+)?\*(se|sd|seMu|seS2|seL|sm|sl|s|stderr|StdErr)\b`)

// TestBandsUseZSE: the props write their Monte Carlo bands as zSE*se, so
// that the registry's K is the band actually used. A literal factor fails
// here: use zSE (or register the group with its own K and say why).
func TestBandsUseZSE(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			code, _, _ := strings.Cut(line, "//")
			if m := literalBand.FindString(code); m != "" {
				t.Errorf("%s:%d: band %q written as a literal; use zSE and register it in budget", f, i+1, m)
			}
		}
	}
}
