package props

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

// Seeds. Every random choice of the props derives from a pinned seed
// through seedFor (gopter parameters, via params) or pcgSeed (direct
// generators), so a plain `go test` is reproducible. The environment
// variable ONEBIT_SEED moves all of them at once:
//
//	ONEBIT_SEED unset or 0   the pinned seeds
//	ONEBIT_SEED=fresh        a new base seed from the clock, printed first
//	ONEBIT_SEED=<n>          base seed n (replays a fresh run)
//
// With a base b != 0 each pinned seed s becomes a SplitMix64 mix of s and
// b. A failing run prints the command that replays it. The chance that a
// fresh run fails although the code is right is the suite's false-failure
// budget (props/budget_test.go).
var seedBase uint64

func TestMain(m *testing.M) {
	switch v := os.Getenv("ONEBIT_SEED"); v {
	case "", "0":
	case "fresh":
		seedBase = splitmix(uint64(time.Now().UnixNano())) | 1
		fmt.Printf("props: ONEBIT_SEED=%d\n", seedBase)
	default:
		b, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "props: ONEBIT_SEED=%q: want fresh or an unsigned integer\n", v)
			os.Exit(2)
		}
		seedBase = b
	}
	code := m.Run()
	if code != 0 {
		if seedBase != 0 {
			fmt.Printf("props: FAILED with ONEBIT_SEED=%d; replay with: ONEBIT_SEED=%d go test ./props -run '<failing test>'\n", seedBase, seedBase)
		} else {
			fmt.Printf("props: FAILED with the pinned seeds; replay with: go test ./props -run '<failing test>'\n")
		}
	}
	os.Exit(code)
}

// splitmix is the SplitMix64 finaliser (a bijection of uint64).
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// pcgSeed returns the pinned seed s, or its mix with ONEBIT_SEED's base.
func pcgSeed(s uint64) uint64 {
	if seedBase == 0 {
		return s
	}
	return splitmix(s ^ splitmix(seedBase))
}

// seedFor is pcgSeed for gopter's int64 seeds.
func seedFor(s int64) int64 { return int64(pcgSeed(uint64(s))) }

// TestSeedMixing: the base 0 keeps pinned seeds; any other base moves every
// seed and keeps distinct seeds distinct (the mix is a bijection).
func TestSeedMixing(t *testing.T) {
	old := seedBase
	defer func() { seedBase = old }()
	seedBase = 0
	if pcgSeed(42) != 42 || seedFor(-7) != -7 {
		t.Fatal("pinned seeds moved without ONEBIT_SEED")
	}
	seedBase = 12345
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		s := rng.Uint64() % 5000
		m := pcgSeed(s)
		if m == s {
			t.Fatalf("seed %d not moved by base %d", s, seedBase)
		}
	}
	for s := uint64(0); s < 100; s++ {
		if pcgSeed(s) == pcgSeed(s+1) {
			t.Fatal("mix not injective")
		}
	}
}
