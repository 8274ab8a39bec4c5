package stack

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode"
)

// The local SQS endpoint answers the SQS calls our functions make
// (SendMessage, SendMessageBatch, ChangeMessageVisibility,
// ChangeMessageVisibilityBatch, GetQueueUrl) in the JSON protocol the AWS
// SDK speaks (X-Amz-Target: AmazonSQS.<Operation>, application/x-amz-json-1.0),
// onto the local queues. Functions reach it through AWS_ENDPOINT_URL_SQS.

// SQS's limits.
const (
	maxMessageBytes      = 256 << 10 // a message body
	maxDelaySeconds      = 900       // DelaySeconds, of a message or a queue
	maxVisibilitySeconds = 43200     // a visibility timeout, 12 hours
	maxGroupIDLength     = 128       // MessageGroupId
)

// sqsEntry is an entry of SendMessageBatch or ChangeMessageVisibilityBatch,
// or the parameters of SendMessage and ChangeMessageVisibility themselves.
type sqsEntry struct {
	ID                string `json:"Id"`
	MessageBody       string `json:"MessageBody"`
	MessageGroupID    string `json:"MessageGroupId"`
	DelaySeconds      *int   `json:"DelaySeconds"`
	ReceiptHandle     string `json:"ReceiptHandle"`
	VisibilityTimeout *int   `json:"VisibilityTimeout"`
}

type sqsRequest struct {
	sqsEntry
	QueueURL  string     `json:"QueueUrl"`
	QueueName string     `json:"QueueName"`
	Entries   []sqsEntry `json:"Entries"`
}

type sqsSent struct {
	ID               string `json:"Id,omitempty"`
	MessageID        string `json:"MessageId"`
	MD5OfMessageBody string `json:"MD5OfMessageBody"`
}

type sqsFailed struct {
	ID          string `json:"Id"`
	SenderFault bool   `json:"SenderFault"`
	Code        string `json:"Code"`
	Message     string `json:"Message"`
}

// sqsError is an SQS error answer: its type, query-protocol code and text.
type sqsError struct {
	typ, code, msg string
}

// serveSQS starts the endpoint on a free loopback port and returns its URL.
// hook, if not nil, is called around each request: before it is served and
// after (its answer not yet sent); when it says to drop the request, it is
// not served, or its answer not sent, and its connection is closed.
func (qs *queues) serveSQS(hook func(r *http.Request, body []byte, served bool) (drop bool)) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("listen for SQS: %w", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { qs.serveHTTP(w, r, hook) })}
	go func() { _ = srv.Serve(ln) }()
	return srv, "http://" + ln.Addr().String(), nil
}

func (qs *queues) serveHTTP(w http.ResponseWriter, r *http.Request, hook func(*http.Request, []byte, bool) bool) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
	var req sqsRequest
	if !ok || r.Method != http.MethodPost {
		writeSQSError(w, &sqsError{"InvalidAction", "AWS.SimpleQueueService.InvalidAction", "not an SQS JSON request"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		writeSQSError(w, &sqsError{"InvalidParameterValue", "InvalidParameterValue", "malformed request body"})
		return
	}
	if hook != nil && hook(r, body, false) {
		panic(http.ErrAbortHandler)
	}
	var (
		out  any
		serr *sqsError
	)
	switch op {
	case "SendMessage":
		out, serr = qs.sendMessage(req)
	case "SendMessageBatch":
		out, serr = qs.sendMessageBatch(req)
	case "ChangeMessageVisibility":
		out, serr = qs.changeMessageVisibility(req)
	case "ChangeMessageVisibilityBatch":
		out, serr = qs.changeMessageVisibilityBatch(req)
	case "GetQueueUrl":
		if _, ok := qs.byName(req.QueueName); !ok {
			serr = errNoQueue
		}
		out = map[string]string{"QueueUrl": qs.url(req.QueueName)}
	default:
		serr = &sqsError{"UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", op + " is not supported by the local stack"}
	}
	if hook != nil && hook(r, body, true) {
		panic(http.ErrAbortHandler)
	}
	if serr != nil {
		writeSQSError(w, serr)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(out)
}

var errNoQueue = &sqsError{"QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist."}

func (qs *queues) url(name string) string {
	return fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", qs.region, qs.account, name)
}

// target is the logical id of the queue a QueueUrl names, by its last
// segment, as SQS does.
func (qs *queues) target(queueURL string) (string, *sqsError) {
	name := queueURL[strings.LastIndexByte(queueURL, '/')+1:]
	id, ok := qs.byName(name)
	if !ok {
		return "", errNoQueue
	}
	return id, nil
}

func (qs *queues) sendMessage(req sqsRequest) (any, *sqsError) {
	id, serr := qs.target(req.QueueURL)
	if serr != nil {
		return nil, serr
	}
	o, f := sendParams(req.sqsEntry)
	if f != "" {
		return nil, &sqsError{"InvalidParameterValue", "InvalidParameterValue", f}
	}
	return sqsSent{MessageID: qs.sendWith(id, req.MessageBody, o), MD5OfMessageBody: md5Hex(req.MessageBody)}, nil
}

func (qs *queues) sendMessageBatch(req sqsRequest) (any, *sqsError) {
	id, serr := qs.target(req.QueueURL)
	if serr != nil {
		return nil, serr
	}
	if serr := checkBatch(req.Entries); serr != nil {
		return nil, serr
	}
	total := 0
	for _, e := range req.Entries {
		total += len(e.MessageBody)
	}
	if total > maxMessageBytes {
		return nil, &sqsError{"BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong", "Batch requests cannot be longer than 262144 bytes."}
	}
	out := batchResult[sqsSent]{Successful: []sqsSent{}, Failed: []sqsFailed{}}
	for _, e := range req.Entries {
		o, f := sendParams(e)
		if f != "" {
			out.Failed = append(out.Failed, sqsFailed{ID: e.ID, SenderFault: true, Code: "InvalidParameterValue", Message: f})
			continue
		}
		out.Successful = append(out.Successful, sqsSent{ID: e.ID, MessageID: qs.sendWith(id, e.MessageBody, o), MD5OfMessageBody: md5Hex(e.MessageBody)})
	}
	return out, nil
}

// batchResult is the answer to a batch action: its entries that succeeded
// and those that failed.
type batchResult[T any] struct {
	Successful []T         `json:"Successful"`
	Failed     []sqsFailed `json:"Failed"`
}

// checkBatch refuses a batch that SQS refuses as a whole: empty, over ten
// entries, or with an Id repeated.
func checkBatch(entries []sqsEntry) *sqsError {
	switch {
	case len(entries) == 0:
		return &sqsError{"EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one entry in the request."}
	case len(entries) > 10:
		return &sqsError{"TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10."}
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.ID] {
			return &sqsError{"BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id " + e.ID + " repeated."}
		}
		seen[e.ID] = true
	}
	return nil
}

// sendParams checks what a message is sent with, returning what is wrong
// with it as SQS words it, or how to send it.
func sendParams(e sqsEntry) (sendOptions, string) {
	if f := badBody(e.MessageBody); f != "" {
		return sendOptions{}, f
	}
	o := sendOptions{group: e.MessageGroupID}
	if e.DelaySeconds != nil {
		if *e.DelaySeconds < 0 || *e.DelaySeconds > maxDelaySeconds {
			return o, fmt.Sprintf("Value %d for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided.", *e.DelaySeconds)
		}
		d := time.Duration(*e.DelaySeconds) * time.Second
		o.delay = &d
	}
	if e.MessageGroupID != "" && !validGroupID(e.MessageGroupID) {
		return o, "Value " + e.MessageGroupID + " for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length."
	}
	return o, ""
}

// validGroupID reports whether id can be a MessageGroupId: 1 to 128
// characters, letters, digits and ASCII punctuation.
func validGroupID(id string) bool {
	if len(id) == 0 || len(id) > maxGroupIDLength {
		return false
	}
	for _, c := range id {
		if c > unicode.MaxASCII || !(unicode.IsLetter(c) || unicode.IsDigit(c) || unicode.IsPunct(c) || unicode.IsSymbol(c)) {
			return false
		}
	}
	return true
}

func (qs *queues) changeMessageVisibility(req sqsRequest) (any, *sqsError) {
	id, serr := qs.target(req.QueueURL)
	if serr != nil {
		return nil, serr
	}
	if serr := qs.changeEntry(id, req.sqsEntry); serr != nil {
		return nil, serr
	}
	return struct{}{}, nil
}

func (qs *queues) changeMessageVisibilityBatch(req sqsRequest) (any, *sqsError) {
	id, serr := qs.target(req.QueueURL)
	if serr != nil {
		return nil, serr
	}
	if serr := checkBatch(req.Entries); serr != nil {
		return nil, serr
	}
	type changed struct {
		ID string `json:"Id"`
	}
	out := batchResult[changed]{Successful: []changed{}, Failed: []sqsFailed{}}
	for _, e := range req.Entries {
		if serr := qs.changeEntry(id, e); serr != nil {
			out.Failed = append(out.Failed, sqsFailed{ID: e.ID, SenderFault: true, Code: serr.typ, Message: serr.msg})
			continue
		}
		out.Successful = append(out.Successful, changed{ID: e.ID})
	}
	return out, nil
}

// changeEntry changes the visibility timeout of the message an entry's
// receipt handle names.
func (qs *queues) changeEntry(id string, e sqsEntry) *sqsError {
	switch {
	case e.ReceiptHandle == "":
		return &sqsError{"MissingParameter", "MissingParameter", "The request must contain the parameter ReceiptHandle."}
	case e.VisibilityTimeout == nil:
		return &sqsError{"MissingParameter", "MissingParameter", "The request must contain the parameter VisibilityTimeout."}
	case *e.VisibilityTimeout < 0 || *e.VisibilityTimeout > maxVisibilitySeconds:
		return &sqsError{"InvalidParameterValue", "InvalidParameterValue", fmt.Sprintf("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.", *e.VisibilityTimeout)}
	}
	if err := qs.changeVisibility(id, e.ReceiptHandle, time.Duration(*e.VisibilityTimeout)*time.Second); err != nil {
		return &sqsError{"InvalidParameterValue", "InvalidParameterValue", "Value " + e.ReceiptHandle + " for parameter ReceiptHandle is invalid. Reason: " + err.Error() + "."}
	}
	return nil
}

func badBody(body string) string {
	switch {
	case body == "":
		return "The request must contain the parameter MessageBody."
	case len(body) > maxMessageBytes:
		return "One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes."
	}
	return ""
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func writeSQSError(w http.ResponseWriter, e *sqsError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Query-Error", e.code+";Sender")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + e.typ, "message": e.msg})
}
