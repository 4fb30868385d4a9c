package model

import (
	"fmt"
	"math"

	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/mat"
)

// Shape describes what kind of encoder W is at r = 1 (THEORY.md 4.3), from
// its row-normalised rows w_i = b_i/|b_i|:
//
//	Identity      = mean_i max_j |w_ij|           (1 for a signed permutation; ~0.33 Haar at d = 64)
//	Participation = mean_i 1 / sum_j w_ij^4       (1 identity; k flat k-block; ~(d+2)/3 Haar)
//	Distinct      = #{argmax_j |w_ij| : i}        (d for a signed permutation at r = 1)
type Shape struct {
	Identity      float64 `json:"identity"`
	Participation float64 `json:"participation"`
	Distinct      int     `json:"distinct"`
}

// EncoderShape computes the Shape of the encoder b (n x d), in float64. A
// zero or non-finite row is an error.
func EncoderShape[T kernel.Float](b *mat.Dense[T]) (Shape, error) {
	if b == nil || b.Rows < 1 || b.Cols < 1 {
		return Shape{}, fmt.Errorf("model: shape of an empty encoder")
	}
	seen := make(map[int]bool, b.Rows)
	var id, pr float64
	for i := 0; i < b.Rows; i++ {
		row := b.Row(i)
		var n2, mx float64
		arg := 0
		for j, v := range row {
			a := math.Abs(float64(v))
			n2 += a * a
			if a > mx {
				mx, arg = a, j
			}
		}
		if !(n2 > 0) || math.IsInf(n2, 0) {
			return Shape{}, fmt.Errorf("model: encoder row %d has norm^2 %v", i, n2)
		}
		var s4 float64
		for _, v := range row {
			w2 := float64(v) * float64(v) / n2
			s4 += w2 * w2
		}
		id += mx / math.Sqrt(n2)
		pr += 1 / s4
		seen[arg] = true
	}
	n := float64(b.Rows)
	return Shape{Identity: id / n, Participation: pr / n, Distinct: len(seen)}, nil
}
