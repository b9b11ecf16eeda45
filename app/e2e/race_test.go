//go:build race

package e2e

// raceEnabled lets slow property tests run fewer seeds under -race, where
// the crypto runs several times slower; the full count runs without it.
const raceEnabled = true
