// Package kernel holds the numerical kernels the training loop spends its
// time in: general matrix products (GEMM) and elementwise operations.
//
// Matrices are row-major slices with a leading dimension (row stride).
// Every kernel has a pure-Go reference twin (the *Ref functions) that states
// the loop it computes; faster implementations are tested against it.
//
// Citations "THEORY.md <section>" refer to docs/THEORY.md at the repository root.
package kernel
