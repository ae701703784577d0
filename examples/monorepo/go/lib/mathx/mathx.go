// Package mathx holds small numeric helpers.
package mathx

// Clamp limits v to the closed range [lo, hi].
func Clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// Sum adds up all values.
func Sum(values ...int) int {
	total := 0
	for _, v := range values {
		total += v
	}
	return total
}
