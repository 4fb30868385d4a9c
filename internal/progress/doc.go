// Package progress draws a one-line progress bar on a terminal stream.
package progress
