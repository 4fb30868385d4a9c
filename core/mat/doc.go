// Package mat provides row-major dense matrices over float32 and float64 and
// the few operations the models need, as thin views over core/kernel.
// Nothing here allocates except the constructors: callers own workspaces.
package mat
