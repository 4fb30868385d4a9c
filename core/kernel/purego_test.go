//go:build purego

package kernel

const puregoBuild = true
