// Package model holds the 1-bit autoencoder x_hat = A sign(Bx): the encoder B
// (n x d, rate r = n/d), the linear decoder A (d x n), their batched forward
// pass and loss.
//
// Data are batches X (N x d, one signal per row), so the encoder is
// Z = X B^T, S = sign(Z) and the decoder is X_hat = S A^T. The loss is
// (1/d) E ||x - x_hat||^2, accumulated in float64 whatever T is.
// The sign convention is sign(0) := +1 (THEORY.md 1).
//
// Citations "THEORY.md <section>" refer to docs/THEORY.md at the repository root.
package model
