package keys

import (
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(validFile()))
	f.Add([]byte("header_key = 00\n"))
	f.Add([]byte("master_key_0b = " + strings.Repeat("0", 32)))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			return
		}
		if len(s.MasterKeys()) == 0 {
			t.Fatal("a keys file without master keys was accepted")
		}
		for gen := range MaxGenerations + 2 {
			_, _ = s.KeyAreaKey(KeyAreaApplication, gen)
		}
	})
}
