package keys

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

const (
	testHeaderKey = "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899"
	testMaster00  = "000102030405060708090a0b0c0d0e0f"
	testKEKGen    = "101112131415161718191a1b1c1d1e1f"
	testKAEKApp   = "202122232425262728292a2b2c2d2e2f"
	testKeyGen    = "303132333435363738393a3b3c3d3e3f"
)

func validFile() string {
	return strings.Join([]string{
		"; written by a dump tool",
		"aes_kek_generation_source = " + testKEKGen,
		"aes_key_generation_source = " + testKeyGen,
		"eticket_rsa_kek = 0123456789abcdef0123456789abcdef",
		"HEADER_KEY = " + strings.ToUpper(testHeaderKey),
		"",
		"key_area_key_application_source = " + testKAEKApp,
		"master_key_00 = " + testMaster00,
		"master_key_05=" + testKeyGen,
		"some_long_key = " + strings.Repeat("ab", 0x120),
	}, "\r\n")
}

func mustHex(t *testing.T, s string) [16]byte {
	t.Helper()
	var k [16]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 16 {
		t.Fatalf("bad test key %q", s)
	}
	copy(k[:], b)
	return k
}

// Known answers computed outside this code with Python's cryptography
// package (OpenSSL), AES-128-ECB decryptions, step by step.
func TestDeriveKeyAreaKeyStepByStep(t *testing.T) {
	t.Parallel()
	mk, kekGen, kaek, keyGen := mustHex(t, testMaster00), mustHex(t, testKEKGen), mustHex(t, testKAEKApp), mustHex(t, testKeyGen)
	kek := decryptBlock(mk, kekGen)
	if got := hex.EncodeToString(kek[:]); got != "693808805e0f721dee4eb2380483d6fc" {
		t.Errorf("step 1, D(master_key, aes_kek_generation_source) = %s", got)
	}
	srcKek := decryptBlock(kek, kaek)
	if got := hex.EncodeToString(srcKek[:]); got != "d33381085912aa57c469450371a1c588" {
		t.Errorf("step 2, D(kek, key_area_key_application_source) = %s", got)
	}
	kak := decryptBlock(srcKek, keyGen)
	if got := hex.EncodeToString(kak[:]); got != "55bb9dafc9f4a5e920605a3c61ff223e" {
		t.Errorf("step 3, D(src_kek, aes_key_generation_source) = %s", got)
	}
	if DeriveKeyAreaKey(mk, kekGen, kaek, keyGen) != kak {
		t.Error("DeriveKeyAreaKey differs from the three steps")
	}
}

func TestParseDerivesTheKeyAreaKeyOfEachMasterKey(t *testing.T) {
	t.Parallel()
	s, err := Parse([]byte(validFile()))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.MasterKeys(); len(got) != 2 || got[0] != 0 || got[1] != 5 {
		t.Errorf("MasterKeys = %v, want [0 5]", got)
	}
	hk := s.HeaderKey()
	if hex.EncodeToString(hk[:]) != testHeaderKey {
		t.Error("header key not read (names and hex are not case sensitive)")
	}
	kak, err := s.KeyAreaKey(KeyAreaApplication, 0)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(kak[:]) != "55bb9dafc9f4a5e920605a3c61ff223e" {
		t.Errorf("key-area key of generation 0 = %x", kak)
	}
	if _, err := s.KeyAreaKey(KeyAreaApplication, 5); err != nil {
		t.Errorf("generation 5: %v", err)
	}
}

func TestKeyAreaKeyOfAnAbsentGenerationNamesItsMasterKey(t *testing.T) {
	t.Parallel()
	s, err := Parse([]byte(validFile()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.KeyAreaKey(KeyAreaApplication, 0x0b)
	var missing *MissingKeyError
	if !errors.As(err, &missing) || err.Error() != "needs master_key_0b" {
		t.Errorf("err = %v, want needs master_key_0b", err)
	}
	_, err = s.KeyAreaKey(KeyAreaOcean, 0)
	if err == nil || err.Error() != "needs key_area_key_ocean_source" {
		t.Errorf("ocean key area without its source: err = %v", err)
	}
	if _, err := s.KeyAreaKey(7, 0); err == nil {
		t.Error("key area index 7 accepted")
	}
}

func TestDerivedKeyAreaKeysServeGenerationsWithoutMasterKey(t *testing.T) {
	t.Parallel()
	text := validFile() + "\nkey_area_key_application_0c = " + testKAEKApp + "\n"
	s, err := Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	kak, err := s.KeyAreaKey(KeyAreaApplication, 0x0c)
	if err != nil || kak != mustHex(t, testKAEKApp) {
		t.Errorf("key_area_key_application_0c: %x, %v", kak, err)
	}
}

func TestParseRejectsAFileWithoutHeaderKey(t *testing.T) {
	t.Parallel()
	text := strings.ReplaceAll(validFile(), "HEADER_KEY", "not_the_header_key")
	_, err := Parse([]byte(text))
	if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "header_key") {
		t.Errorf("err = %v, want ErrIncomplete naming header_key", err)
	}
}

func TestParseRejectsAFileWithoutMasterKeys(t *testing.T) {
	t.Parallel()
	var lines []string
	for _, l := range strings.Split(validFile(), "\r\n") {
		if !strings.HasPrefix(l, "master_key_") {
			lines = append(lines, l)
		}
	}
	_, err := Parse([]byte(strings.Join(lines, "\n")))
	if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "master_key") {
		t.Errorf("err = %v, want ErrIncomplete naming master keys", err)
	}
}

// A corrupt file is refused with the line and the key's name; the message
// never holds a key value.
func TestParseRejectsCorruptFilesWithoutShowingValues(t *testing.T) {
	t.Parallel()
	secret := "5ec4e75ec4e75ec4e75ec4e75ec4e75e"
	for name, text := range map[string]string{
		"not name = hex":    validFile() + "\nthis line has no equals sign " + secret,
		"value not hex":     validFile() + "\ntitlekek_01 = " + secret[:30] + "zz",
		"odd digit count":   validFile() + "\ntitlekek_01 = " + secret + "a",
		"short header key":  strings.Replace(validFile(), strings.ToUpper(testHeaderKey), secret, 1),
		"long master key":   validFile() + "\nmaster_key_02 = " + secret + "00",
		"name with spaces":  validFile() + "\nmaster key 02 = " + secret,
		"empty value":       validFile() + "\nmaster_key_02 = ",
		"binary garbage":    "\x00\x01\x02" + secret,
		"a JSON file":       `{"header_key": "` + secret + `"}`,
		"too large to read": strings.Repeat("; padding\n", MaxFileSize/10+1),
	} {
		_, err := Parse([]byte(text))
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
			continue
		}
		for i := 0; i+8 <= len(secret); i++ {
			if strings.Contains(strings.ToLower(err.Error()), secret[i:i+8]) {
				t.Errorf("%s: the error %q shows part of a key value", name, err)
				break
			}
		}
	}
}

func TestParseNamesTheLineOfACorruptEntry(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte("header_key = " + testHeaderKey + "\nmaster_key_00 = xyz\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "master_key_00") {
		t.Errorf("err = %v, want one naming line 2 and master_key_00", err)
	}
}
