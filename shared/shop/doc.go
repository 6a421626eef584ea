// Package shop is what consoles see at the address a user types: which client is asking
// (detect.go), the index in Tinfoil's JSON format (index.go), optionally encrypted for Tinfoil
// (encrypt.go), the HTML directory listing DBI and Sphaira browse (listing.go), the validators
// and conditions of a download (conditional.go), and how often each file was downloaded
// (downloads.go, which owns the file_downloads table). The api package wires it to routes.
package shop
