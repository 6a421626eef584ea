package shop

import (
	"bytes"
	"html"
	"net/url"
	"strings"

	"github.com/shelfhq/shelf/shared/catalog"
)

// Listing is an HTML directory listing as DBI ("ApacheHTTP" network sources) and Sphaira
// browse it: one plain <a href> per entry, relative to the listed folder, folders ending in
// "/". Names are escaped twice over: for the URL, then for HTML.
func Listing(title string, folders []string, files []catalog.File) []byte {
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
	b.WriteString(html.EscapeString(title))
	b.WriteString("</title></head>\n<body><h1>")
	b.WriteString(html.EscapeString(title))
	b.WriteString("</h1><hr><pre>\n")
	for _, d := range folders {
		link(&b, url.PathEscape(d)+"/", d+"/")
	}
	for _, f := range files {
		link(&b, url.PathEscape(f.Name), f.Name)
	}
	b.WriteString("</pre><hr></body></html>\n")
	return b.Bytes()
}

// RefusalListing says why the shop refuses, as a listing: a console that browses HTML shows
// link texts and nothing else, so each line of the message is one entry (as Ownfoil does for
// Sphaira). The links lead nowhere: "#" keeps a client from asking for them.
func RefusalListing(message string) []byte {
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>shelf: refused</title></head>\n<body><pre>\n")
	for _, line := range append([]string{"ERROR"}, strings.Split(message, "\n")...) {
		link(&b, "#", line)
	}
	b.WriteString("</pre></body></html>\n")
	return b.Bytes()
}

func link(b *bytes.Buffer, href, text string) {
	b.WriteString(`<a href="`)
	b.WriteString(html.EscapeString(href))
	b.WriteString(`">`)
	b.WriteString(html.EscapeString(text))
	b.WriteString("</a>\n")
}

// FolderNames are the filter folders the root listing offers.
func FolderNames() []string {
	out := make([]string, len(Filters))
	for i, f := range Filters {
		out[i] = string(f)
	}
	return out
}
