// Package quad integrates smooth functions of one variable to near machine
// precision with globally adaptive Gauss–Kronrod (7, 15) quadrature.
//
// The caller supplies the panel ends: points where the integrand changes
// scale (the centres and widths of the Gaussian components of a scalar
// channel, THEORY.md 6.2). Seeding the panels with the scales of the
// integrand is what makes adaptive quadrature reliable: a feature narrower
// than every initial panel could otherwise be missed by every node.
//
// Citations "THEORY.md <section>" refer to docs/THEORY.md at the repository root.
package quad
