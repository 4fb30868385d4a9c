// Package theory computes onebit's predictions as pure float64 functions of
// the parameters (../shared/THEORY.md). It never imports the training code,
// so a prediction can never be computed from the thing it checks.
package theory
