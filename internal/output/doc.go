// Package output writes result files atomically: a temporary file in the
// target directory, then a rename, so that a reader (or an interrupted run)
// never sees a partial CSV, JSON, PNG or markdown file. experiment/ and the
// benchplot command write every result through it.
package output
