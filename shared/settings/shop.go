package settings

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TinfoilKeyBits is the size of RSA key Tinfoil's encrypted index format holds (its wrapped
// AES key is 256 bytes).
const TinfoilKeyBits = 2048

// TinfoilKey returns shop.clients.tinfoil.public_key parsed; nil when none is set.
func (s Shop) TinfoilKey() (*rsa.PublicKey, error) {
	if strings.TrimSpace(s.Clients.Tinfoil.PublicKey) == "" {
		return nil, nil
	}
	return parseRSAPublicKey(s.Clients.Tinfoil.PublicKey)
}

func parseRSAPublicKey(text string) (*rsa.PublicKey, error) {
	block, rest := pem.Decode([]byte(strings.TrimSpace(text)))
	if block == nil {
		return nil, errors.New(`must be a PEM public key ("-----BEGIN PUBLIC KEY-----" …)`)
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, errors.New("must hold one PEM block, found text after it")
	}
	var key any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		return nil, fmt.Errorf(`must be a public key ("PUBLIC KEY" or "RSA PUBLIC KEY"), got a PEM %q block: never paste a private key here`, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("is not a readable public key: %v", err)
	}
	rsaKey, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("must be an RSA key, got %T", key)
	}
	if rsaKey.N.BitLen() != TinfoilKeyBits {
		return nil, fmt.Errorf("must be an RSA key of %d bits (Tinfoil's format), got %d", TinfoilKeyBits, rsaKey.N.BitLen())
	}
	return rsaKey, nil
}

func (s Shop) validate(add func(field, format string, args ...any)) {
	switch {
	case utf8.RuneCountInString(s.MOTD) > MaxMOTDLength:
		add("shop.motd", "must be at most %d characters, got %d", MaxMOTDLength, utf8.RuneCountInString(s.MOTD))
	case strings.ContainsFunc(s.MOTD, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }):
		add("shop.motd", "must not contain control characters other than line breaks")
	}
	if msg := checkShopHost(s.Host); msg != "" {
		add("shop.host", "%s", msg)
	}
	if _, err := s.TinfoilKey(); err != nil {
		add("shop.clients.tinfoil.public_key", "%v", err)
	}
}

// checkShopHost accepts a host name or IP address, optionally with a port, as a Host header
// carries it: no scheme, path or user.
func checkShopHost(host string) string {
	if host == "" {
		return ""
	}
	if strings.Contains(host, "://") || strings.ContainsAny(host, "/@?# \t") {
		return fmt.Sprintf(`must be a host name such as "shop.example.com" or "192.168.1.20:8465", without scheme or path, got %q`, host)
	}
	name := host
	if h, port, err := net.SplitHostPort(host); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("has a port that is not 1–65535: %q", port)
		}
		name = h
	}
	if net.ParseIP(strings.Trim(name, "[]")) != nil {
		return ""
	}
	if len(name) > 253 || name == "" {
		return fmt.Sprintf("must be a host name of 1 to 253 characters, got %q", host)
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") ||
			strings.ContainsFunc(label, func(r rune) bool {
				return !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
			}) {
			return fmt.Sprintf("must be a host name of letters, digits, '-' and '.', got %q", host)
		}
	}
	return ""
}

// MatchesHost reports whether a request's Host header names the shop's host: every host when
// shop.host is empty; otherwise the same name (case-insensitive), and the same port when
// shop.host has one.
func (s Shop) MatchesHost(requestHost string) bool {
	if s.Host == "" {
		return true
	}
	want, got := strings.ToLower(s.Host), strings.ToLower(requestHost)
	if _, _, err := net.SplitHostPort(want); err == nil {
		return want == got
	}
	if h, _, err := net.SplitHostPort(got); err == nil {
		got = h
	}
	return strings.Trim(want, "[]") == strings.Trim(got, "[]")
}
