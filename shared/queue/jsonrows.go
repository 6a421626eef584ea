package queue

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shelfhq/shelf/shared/store"
)

// jsonRows is a FROM source v with columns c1…cn read from one JSON
// parameter holding an array of rows (each an array of n values), with the
// given SQL types. A batch statement built on it has the same short text
// whatever the batch's size: the SQLite driver parses every statement again
// on each call, and parsing a multi-row VALUES list of a few hundred
// placeholders cost more than running it.
func (q *Queue) jsonRows(types ...string) string {
	var b strings.Builder
	b.WriteString("(SELECT ")
	for i, typ := range types {
		if i > 0 {
			b.WriteString(", ")
		}
		if q.dialect == store.Postgres {
			fmt.Fprintf(&b, "CAST(e->>%d AS %s) AS c%d", i, typ, i+1)
		} else {
			// SQLite's ->> gives JSON numbers as INTEGER or REAL and strings
			// as TEXT already; the column affinity does the rest.
			fmt.Fprintf(&b, "e.value->>%d AS c%d", i, i+1)
		}
	}
	if q.dialect == store.Postgres {
		b.WriteString(" FROM jsonb_array_elements(CAST(? AS JSONB)) AS e) AS v")
	} else {
		b.WriteString(" FROM json_each(?) AS e) AS v")
	}
	return b.String()
}

// encodeRows is the JSON parameter of a jsonRows source.
func encodeRows(rows [][]any) (string, error) {
	b, err := json.Marshal(rows)
	if err != nil {
		return "", fmt.Errorf("encoding a batch of %d rows: %w", len(rows), err)
	}
	return string(b), nil
}
