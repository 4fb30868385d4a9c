// Package amp implements message-passing decoders for 1-bit codes
// s = sign(Bx) with fixed (not learned) Bayes-optimal denoisers: GAMP for an
// i.i.d. Gaussian encoder and VAMP (EP) for a row-orthogonal encoder
// (THEORY.md 7). They run on an actual matrix B and actual codes and record
// the per-iteration MSE, which the props tests hold to the state evolution
// of package theory. This package never imports theory: the algorithm and
// its prediction are computed independently.
//
// Signals are the rows of an S x d matrix (codes: S x n), so every matrix
// product is one GEMM over the batch; each signal keeps its own scalar
// variances.
//
// Citations "THEORY.md <section>" refer to docs/THEORY.md at the repository root.
package amp
