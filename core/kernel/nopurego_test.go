//go:build !purego

package kernel

const puregoBuild = false
