package receipt

import (
	"errors"
	"fmt"
)

// Kind says what sort of failure an error is. The API answers each kind
// with its HTTP status (api's error table), and the processor marks a
// receipt FAILED for each kind a retry can't mend (its table of reasons):
// each mapping lives in that one place.
type Kind uint8

// The kinds of failure. The zero Kind is Transient: nothing known about
// it, so the API answers 500 and the processor tries again.
const (
	Transient Kind = iota
	// BadInput is a request or document that is malformed or out of its
	// bounds.
	BadInput
	// Unauthorized is a request without a tenant.
	Unauthorized
	// NotFound is something that is not there, or not the caller's.
	NotFound
	// NotAllowed is a method a route does not serve.
	NotAllowed
	// Conflict is a state that does not allow the change now.
	Conflict
	// Stale is a change made on an outdated reading (a failed
	// precondition).
	Stale
	// TooLarge is input over a size bound.
	TooLarge
	// UnsupportedType is a body of a media type the route does not take.
	UnsupportedType
	// Mismatch is input that is not what it was said or seen to be.
	Mismatch
	// Limited is a request over an allowance, fine again later.
	Limited
	// Unreadable is a document no engine can read.
	Unreadable
	// OverLimit is a document over a bound on what reading it may cost
	// (pixels, memory).
	OverLimit
	// TimedOut is a document that took longer than its time budget.
	TimedOut
)

// Error is a failure of a known kind, with the message for whoever gets
// it: the caller, in the API's answer, or the operator, in a FAILED
// receipt's reason.
type Error struct {
	Kind    Kind
	Message string
}

func (e *Error) Error() string { return e.Message }

// NewError returns an Error of kind k saying message.
func NewError(k Kind, message string) *Error { return &Error{Kind: k, Message: message} }

// Errorf returns an Error of kind k with a formatted message.
func Errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// AsError returns the first Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
