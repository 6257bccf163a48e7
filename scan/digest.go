package scan

import "strings"

// cutDigest splits "algo:hex", checking the algorithm is one the scanner
// can verify and the hex has its length.
func cutDigest(d string) (algo, hex string, ok bool) {
	algo, hex, ok = strings.Cut(d, ":")
	if !ok {
		return "", "", false
	}
	want := map[string]int{"sha256": 64, "sha512": 128}[algo]
	if want == 0 || len(hex) != want {
		return "", "", false
	}
	for _, c := range hex {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return "", "", false
		}
	}
	return algo, hex, true
}
