package main

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/seed05b1c944/onebit/experiment"
)

// FuzzTrainFlags: any command line of onebit train either builds a valid
// spec or fails with a usage error (exit 2); parsing never panics and
// never starts a run (only the flag-to-spec path is exercised).
func FuzzTrainFlags(f *testing.F) {
	for _, s := range []string{"--prior bg:0.1 --rate 0.5 --dim 100", "--trainer sgd --lr 1e-3 --batch 64", "--decoder unrolled --layers 3",
		"--rate NaN", "--dim -5", "--steps 9999999999999", "--prior sr:2", "--encoder haar --rate 2", "--samples 1", "-h", "stray", "--rate 1e-300 --dim 8192"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var tf trainFlags
		fs := newFlagSet("train", io.Discard)
		tf.register(fs)
		if err := parseFlags(fs, strings.Fields(line)); err != nil {
			var ue usageError
			if !errors.As(err, &ue) && !errors.Is(err, flag.ErrHelp) {
				t.Fatalf("%q: flag error %v is not a usage error", line, err)
			}
			return
		}
		spec, err := tf.spec()
		if err != nil {
			var ue usageError
			var fe *experiment.FieldError
			if !errors.As(err, &ue) && !errors.As(err, &fe) {
				t.Fatalf("%q: spec error %v is neither a usage nor a field error", line, err)
			}
			return
		}
		if err := spec.Validate(); err != nil {
			t.Fatalf("%q: spec() accepted what Validate rejects: %v", line, err)
		}
	})
}
