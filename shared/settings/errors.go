package settings

import (
	"fmt"
	"strings"
)

// FieldError is one problem with one setting.
type FieldError struct {
	// Field is the dotted path of the setting as written in the file and the API, such as
	// "worker.slots" or "library.paths[1]". It is empty for a problem with the document as a whole
	// (bad syntax, wrong encoding, too large).
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e FieldError) String() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// ValidationError reports every problem found in settings supplied by a user, so that one round of
// editing can fix them all. Parse, Load, Merge and Save return it (as a value, not a pointer) for any
// problem with their input; match it with errors.As(err, &settings.ValidationError{}).
type ValidationError struct {
	Errors []FieldError `json:"errors"`
}

func (e ValidationError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		parts[i] = fe.String()
	}
	return "invalid settings: " + strings.Join(parts, "; ")
}

// documentError is a ValidationError about the input as a whole.
func documentError(format string, args ...any) ValidationError {
	return ValidationError{Errors: []FieldError{{Message: fmt.Sprintf(format, args...)}}}
}
