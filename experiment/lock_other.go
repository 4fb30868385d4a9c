//go:build !unix

package experiment

// Lock is a no-op where flock is not available.
func Lock(dir, name string) (unlock func(), err error) { return func() {}, nil }
