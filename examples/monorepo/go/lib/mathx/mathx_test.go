package mathx

import "testing"

func TestClamp(t *testing.T) {
	if got := Clamp(5, 0, 3); got != 3 {
		t.Fatalf("Clamp(5, 0, 3) = %d, want 3", got)
	}
	if got := Clamp(-1, 0, 3); got != 0 {
		t.Fatalf("Clamp(-1, 0, 3) = %d, want 0", got)
	}
	if got := Clamp(2, 0, 3); got != 2 {
		t.Fatalf("Clamp(2, 0, 3) = %d, want 2", got)
	}
}

func TestSum(t *testing.T) {
	if got := Sum(); got != 0 {
		t.Fatalf("Sum() = %d, want 0", got)
	}
	if got := Sum(1, 2, 3); got != 6 {
		t.Fatalf("Sum(1, 2, 3) = %d, want 6", got)
	}
}
