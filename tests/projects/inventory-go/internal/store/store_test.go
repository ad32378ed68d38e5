package store

import "testing"

func TestTotal(t *testing.T) {
	if got := New(map[string]int{"a": 2, "b": 3}).Total(); got != 5 {
		t.Fatalf("Total() = %d", got)
	}
}
