// Package quote is a dependency written for nixbuild's tests, vendored by
// `go mod vendor` into the module that uses it.
package quote

// Of returns the saying of the day for an inventory count.
func Of(items int) string {
	if items == 0 {
		return "Nothing ventured, nothing gained."
	}
	return "Count what counts."
}
