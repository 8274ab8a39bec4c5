package stack

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// The local SQS endpoint answers the SQS calls our functions make
// (SendMessage, with DelaySeconds, SendMessageBatch, GetQueueUrl) in the JSON protocol the AWS
// SDK speaks (X-Amz-Target: AmazonSQS.<Operation>, application/x-amz-json-1.0),
// onto the local queues. Functions reach it through AWS_ENDPOINT_URL_SQS.

// maxMessageBytes is SQS's limit on a message body.
const maxMessageBytes = 256 << 10

type sqsEntry struct {
	ID          string `json:"Id"`
	MessageBody string `json:"MessageBody"`
}

type sqsRequest struct {
	QueueURL    string     `json:"QueueUrl"`
	QueueName   string     `json:"QueueName"`
	MessageBody string     `json:"MessageBody"`
	Entries     []sqsEntry `json:"Entries"`
	// DelaySeconds is SendMessage's message timer (see sendDelayed).
	DelaySeconds *int `json:"DelaySeconds"`
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
func (qs *queues) serveSQS() (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("listen for SQS: %w", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(qs.serveHTTP)}
	go func() { _ = srv.Serve(ln) }()
	return srv, "http://" + ln.Addr().String(), nil
}

func (qs *queues) serveHTTP(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
	var req sqsRequest
	if !ok || r.Method != http.MethodPost {
		writeSQSError(w, &sqsError{"InvalidAction", "AWS.SimpleQueueService.InvalidAction", "not an SQS JSON request"})
		return
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeSQSError(w, &sqsError{"InvalidParameterValue", "InvalidParameterValue", "malformed request body"})
		return
	}
	var (
		out any
		err *sqsError
	)
	switch op {
	case "SendMessage":
		out, err = qs.sendMessage(req)
	case "SendMessageBatch":
		out, err = qs.sendMessageBatch(req)
	case "GetQueueUrl":
		if _, ok := qs.byName(req.QueueName); !ok {
			err = errNoQueue
		}
		out = map[string]string{"QueueUrl": qs.url(req.QueueName)}
	default:
		err = &sqsError{"UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", op + " is not supported by the local stack"}
	}
	if err != nil {
		writeSQSError(w, err)
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
	if f := badBody(req.MessageBody); f != "" {
		return nil, &sqsError{"InvalidParameterValue", "InvalidParameterValue", f}
	}
	if req.DelaySeconds != nil {
		return qs.sendMessageDelayed(id, req.MessageBody, *req.DelaySeconds)
	}
	return sqsSent{MessageID: qs.send(id, req.MessageBody), MD5OfMessageBody: md5Hex(req.MessageBody)}, nil
}

// sendMessageDelayed is SendMessage with a message timer: DelaySeconds
// from 0 to 900, as SQS allows.
func (qs *queues) sendMessageDelayed(id, body string, delay int) (any, *sqsError) {
	if delay < 0 || delay > 900 {
		return nil, &sqsError{"InvalidParameterValue", "InvalidParameterValue",
			fmt.Sprintf("Value %d for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided.", delay)}
	}
	return sqsSent{MessageID: qs.sendDelayed(id, body, time.Duration(delay)*time.Second), MD5OfMessageBody: md5Hex(body)}, nil
}

func (qs *queues) sendMessageBatch(req sqsRequest) (any, *sqsError) {
	id, serr := qs.target(req.QueueURL)
	if serr != nil {
		return nil, serr
	}
	switch {
	case len(req.Entries) == 0:
		return nil, &sqsError{"EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one SendMessageBatchRequestEntry in the request."}
	case len(req.Entries) > 10:
		return nil, &sqsError{"TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10."}
	}
	seen := map[string]bool{}
	total := 0
	for _, e := range req.Entries {
		if seen[e.ID] {
			return nil, &sqsError{"BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id " + e.ID + " repeated."}
		}
		seen[e.ID] = true
		total += len(e.MessageBody)
	}
	if total > maxMessageBytes {
		return nil, &sqsError{"BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong", "Batch requests cannot be longer than 262144 bytes."}
	}
	out := struct {
		Successful []sqsSent   `json:"Successful"`
		Failed     []sqsFailed `json:"Failed"`
	}{Successful: []sqsSent{}, Failed: []sqsFailed{}}
	for _, e := range req.Entries {
		if f := badBody(e.MessageBody); f != "" {
			out.Failed = append(out.Failed, sqsFailed{ID: e.ID, SenderFault: true, Code: "InvalidParameterValue", Message: f})
			continue
		}
		out.Successful = append(out.Successful, sqsSent{ID: e.ID, MessageID: qs.send(id, e.MessageBody), MD5OfMessageBody: md5Hex(e.MessageBody)})
	}
	return out, nil
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
