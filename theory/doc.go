// Package theory computes onebit's predictions as pure float64 functions of
// the parameters (docs/THEORY.md at the repository root, cited below as
// "THEORY.md <section>"). It never imports the training code, so a prediction
// can never be computed from the thing it checks.
package theory
