package settings

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseInterval reads a scan interval: a Go duration ("12h", "90m", "1h30m"), a number of days
// ("1d", "7d", as Ownfoil writes them), or "0" for off. Validate rejects what is negative or too
// short.
func ParseInterval(raw string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(raw, "d"); ok {
		n, err := strconv.ParseUint(days, 10, 16)
		if err != nil {
			return 0, fmt.Errorf("invalid number of days %q", raw)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(raw)
}
