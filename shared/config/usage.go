package config

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// flagValue records a flag's raw text and whether it was given, so that an absent flag can fall
// back to the environment variable and a flag given as its default value still wins.
type flagValue struct {
	value  string
	set    bool
	isBool bool
}

func (v *flagValue) String() string { return v.value }

func (v *flagValue) Set(s string) error {
	v.value, v.set = s, true
	return nil
}

// IsBoolFlag lets a boolean flag be given without a value (--api-token-reads).
func (v *flagValue) IsBoolFlag() bool { return v.isBool }

// writeUsage prints every flag with its variable and default, since in a container the variables
// are what users set. A subcommand's own flags (commandFlags, nil for none) come first.
func writeUsage(w io.Writer, name string, opts []option, commandFlags *flag.FlagSet) {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: %s [flags]\n\n", name)
	if commandFlags != nil {
		commandFlags.VisitAll(func(f *flag.Flag) {
			valueName, usage := flag.UnquoteUsage(f)
			fmt.Fprintf(&b, "  --%s %s\n        %s\n", f.Name, valueName, usage)
			if f.DefValue != "" {
				fmt.Fprintf(&b, "        default %q\n", f.DefValue)
			}
		})
		b.WriteString("\nThe service's flags apply too, to name the data folder and the database.\n")
	}
	b.WriteString("Every flag can also be set by its environment variable; the flag wins when both are set.\n\n")
	for _, o := range opts {
		flagText := "--" + o.flag
		if o.valueName != "" {
			flagText += " " + o.valueName
		}
		fmt.Fprintf(&b, "  %s\n", flagText)
		fmt.Fprintf(&b, "        %s\n", o.usage)
		fmt.Fprintf(&b, "        env %s, default %q\n", o.env, o.def)
	}
	io.WriteString(w, b.String())
}
