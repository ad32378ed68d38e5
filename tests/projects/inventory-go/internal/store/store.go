// Package store keeps the inventory in memory.
package store

import "sort"

// Store is a set of item counts.
type Store struct{ items map[string]int }

// New returns a store with the given counts.
func New(items map[string]int) *Store { return &Store{items: items} }

// Names returns the item names, sorted.
func (s *Store) Names() []string {
	names := make([]string, 0, len(s.items))
	for n := range s.items {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Total returns the sum of all counts.
func (s *Store) Total() int {
	t := 0
	for _, c := range s.items {
		t += c
	}
	return t
}
