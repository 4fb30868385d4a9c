package main

// elementwise emits the vectorised elementwise kernels.
func elementwise() {}
