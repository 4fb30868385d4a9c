// Package train fits the autoencoder x_hat = A sign(Bx) to data.
//
// Two trainers are provided:
//
//   - Population: exact gradient descent on the population loss, in float64,
//     using the closed form of THEORY.md 2 (Gaussian smoothing: for Gaussian
//     data, and for BG(p) data conditioned on the support mask, Bx is
//     Gaussian, so E[s s^T] and E[s x^T] are arcsin and sqrt(2/pi) formulas).
//   - SGD: minibatch Adam on samples in float32 with a straight-through
//     surrogate for sign, for any prior.
//
// Both stop with an error naming the step if the loss becomes NaN or infinite.
//
// Citations "THEORY.md <section>" refer to docs/THEORY.md at the repository root.
package train
