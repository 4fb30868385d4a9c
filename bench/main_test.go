package bench

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// TestMain prefixes benchmark output with the unit metadata lines of Units,
// so that every result file carries the direction of its units.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" {
		if err := WriteUnits(os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}
