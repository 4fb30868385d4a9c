// Package theory computes onebit's predictions as pure float64 functions of
// the parameters (docs/THEORY.md at the repository root, cited below as
// "THEORY.md <section>"). It never imports the training code, so a prediction
// can never be computed from the thing it checks.
//
// Nothing here samples, with one documented exception: the Haar average of
// a k x k block rotation's loss for k >= 3 (HaarBlockLosses, THEORY.md 4.2)
// has no closed form, so it is a Monte Carlo mean over a fixed-seed set of
// Haar rotations, each evaluated exactly by enumerating the block's states;
// the result is deterministic for a given seed and carries its standard
// error. k = 1 and 2 and Hadamard blocks are exact.
package theory
