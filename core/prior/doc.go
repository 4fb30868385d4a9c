// Package prior defines the i.i.d. coordinate distributions P of the data
// x in R^d that onebit compresses, with their sampling and moments.
//
// Every prior is normalised so that E x = 0 and E x^2 = 1 (THEORY.md 1).
// The sign convention used throughout onebit is sign(0) := +1.
//
// Citations "THEORY.md <section>" refer to docs/THEORY.md at the repository root.
package prior
