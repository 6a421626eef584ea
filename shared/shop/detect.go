package shop

import (
	"net/http"
	"strings"
)

// Client is a console client the shop answers, or Browser for everything else.
type Client string

// The clients, named as in settings (shop.clients.<name>).
const (
	Browser   Client = ""
	Tinfoil   Client = "tinfoil"
	CyberFoil Client = "cyberfoil"
	DBI       Client = "dbi"
	Sphaira   Client = "sphaira"
)

// Clients lists the console clients in the order the settings page shows them.
var Clients = []Client{Tinfoil, CyberFoil, DBI, Sphaira}

// Name is the client's name as its users know it.
func (c Client) Name() string {
	switch c {
	case Tinfoil:
		return "Tinfoil"
	case CyberFoil:
		return "CyberFoil"
	case DBI:
		return "DBI"
	case Sphaira:
		return "Sphaira"
	}
	return "a browser"
}

// WantsJSON reports whether the client reads Tinfoil's JSON index; the others browse HTML.
func (c Client) WantsJSON() bool { return c == Tinfoil || c == CyberFoil }

// tinfoilHeaders are sent by Tinfoil on every shop request (and copied by CyberFoil): Ownfoil
// app/clients/tinfoil.py identifies Tinfoil by all of them and no User-Agent.
var tinfoilHeaders = []string{"Theme", "Uid", "Version", "Revision", "Language", "Hauth", "Uauth"}

// Detect tells which client sent a request from its headers (canonical names, as
// http.Header keeps them). The rule and its sources are in docs/SHOP.md:
//   - all of Tinfoil's headers and no User-Agent: Tinfoil;
//   - all of Tinfoil's headers and a User-Agent: CyberFoil ("cyberfoil" in the version
//     Ownfoil detects, "CyberFoil/<version>" and "tinfoil" in luketanti/CyberFoil's source);
//   - a User-Agent starting with "DBI": DBI;
//   - no User-Agent, but Accept (libcurl's defaults, as Sphaira sends them; Ownfoil
//     app/clients/sphaira.py): Sphaira;
//   - anything else, every browser included (they all send a User-Agent): Browser.
func Detect(h http.Header) Client {
	ua, hasUA := h["User-Agent"]
	agent := ""
	if hasUA && len(ua) > 0 {
		agent = strings.TrimSpace(ua[0])
	}
	if hasAll(h, tinfoilHeaders) {
		if agent == "" {
			return Tinfoil
		}
		return CyberFoil
	}
	if len(agent) >= 3 && strings.EqualFold(agent[:3], "DBI") {
		return DBI
	}
	if agent == "" && len(h["Accept"]) > 0 {
		return Sphaira
	}
	return Browser
}

func hasAll(h http.Header, names []string) bool {
	for _, n := range names {
		if len(h[n]) == 0 {
			return false
		}
	}
	return true
}
