package extract_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/textract"

	"github.com/receipts-api/receipts/internal/extract"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/testdocs"
)

// textractServer replays recorded Textract responses by operation, in order,
// and keeps the requests it got.
type textractServer struct {
	mu        sync.Mutex
	responses map[string][]reply
	requests  map[string][]map[string]any
}

type reply struct {
	status int
	body   string // a testdata file name, or a literal JSON body
	errTyp string
}

func (s *textractServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "Textract.")
	var req map[string]any
	b, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(b, &req)
	s.mu.Lock()
	s.requests[op] = append(s.requests[op], req)
	queue := s.responses[op]
	if len(queue) == 0 {
		s.mu.Unlock()
		http.Error(w, "no recorded response for "+op, http.StatusInternalServerError)
		return
	}
	rp := queue[0]
	if len(queue) > 1 {
		s.responses[op] = queue[1:]
	}
	s.mu.Unlock()
	body := rp.body
	if strings.HasSuffix(body, ".json") {
		data, err := os.ReadFile(filepath.Join("testdata", "textract", body))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		body = string(data)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if rp.errTyp != "" {
		w.Header().Set("X-Amzn-ErrorType", rp.errTyp)
	}
	w.WriteHeader(rp.status)
	_, _ = io.WriteString(w, body)
}

func newTextract(t *testing.T, responses map[string][]reply) (*extract.Textract, *textractServer) {
	t.Helper()
	srv := &textractServer{responses: responses, requests: map[string][]map[string]any{}}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	client := textract.New(textract.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("k", "s", ""),
		BaseEndpoint:     aws.String(ts.URL),
		RetryMaxAttempts: 1,
	})
	tx := extract.NewTextract(client)
	tx.Poll = time.Millisecond
	return tx, srv
}

func TestTextractAnalyzeExpense(t *testing.T) {
	tx, srv := newTextract(t, map[string][]reply{"AnalyzeExpense": {{200, "analyze-expense-receipt.json", ""}}})
	res, err := tx.Extract(context.Background(), extract.Document{Bytes: []byte("\xff\xd8\xffimage"), ContentType: receipt.JPEG})
	if err != nil {
		t.Fatal(err)
	}
	f := res.Fields
	want := receipt.Fields{
		Vendor:   "BOOK TA.K (TAMAN DAYA) SDN BHD",
		Address:  "NO.53 55,57 & 59, JALAN SAGU 18, TAMAN DAYA, 81100 JOHOR BAHRU, JOHOR.",
		Date:     "2018-12-25",
		Total:    "9.00",
		Subtotal: "9.00",
		Currency: "MYR",
		Country:  "MY",
		// The seller's identifiers are the parser's, from Textract's text.
		Identifiers: map[string]string{"address": "NO.53 55,57 & 59"},
		LineItems: []receipt.LineItem{{
			Description: "KF MODELLING CLAY KIDDY FISH", Quantity: "1", UnitPrice: "9.00", Amount: "9.00",
		}},
	}
	got := f
	got.Confidence = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fields =\n%+v\nwant\n%+v", got, want)
	}
	for name, c := range map[string]float64{"total": 0.93, "date": 0.9347, "vendor": 0.971, "currency": 0.882} {
		if d := f.Confidence[name] - c; d > 0.001 || d < -0.001 {
			t.Errorf("confidence[%s] = %v, want %v", name, f.Confidence[name], c)
		}
	}
	if !strings.HasPrefix(res.Text, "tan woon yann\nBOOK TA.K (TAMAN DAYA) SDN BHD\n") || !strings.Contains(res.Text, "Rounded Total (RM): 9.00") {
		t.Errorf("text = %q", res.Text)
	}
	doc := srv.requests["AnalyzeExpense"][0]["Document"].(map[string]any)
	if doc["Bytes"] == nil {
		t.Errorf("request sent no document bytes: %v", doc)
	}
}

// TestTextractGermanAmounts: Textract's field strings go through the
// parser's rules for the receipt's country, so a German "1.195,39" is
// 1195.39 and "02.03.2020" is the second of March.
func TestTextractGermanAmounts(t *testing.T) {
	tx, _ := newTextract(t, map[string][]reply{"AnalyzeExpense": {{200, "analyze-expense-german.json", ""}}})
	res, err := tx.Extract(context.Background(), extract.Document{Bytes: []byte("\xff\xd8\xffimage"), ContentType: receipt.JPEG})
	if err != nil {
		t.Fatal(err)
	}
	f := res.Fields
	if f.Country != "DE" || f.Currency != "EUR" || f.Total != "1195.39" || f.Tax != "183.61" || f.Date != "2020-03-02" {
		t.Errorf("country %q, currency %q, total %q, tax %q, date %q; want DE, EUR, 1195.39, 183.61, 2020-03-02", f.Country, f.Currency, f.Total, f.Tax, f.Date)
	}
	if len(f.LineItems) != 2 || f.LineItems[0].Amount != "1150.00" || f.LineItems[1].Amount != "45.39" {
		t.Errorf("line items %+v, want 1150.00 and 45.39", f.LineItems)
	}
	if f.Identifiers["vat"] != "DE812706034" {
		t.Errorf("identifiers %q, want the VAT id DE812706034", f.Identifiers)
	}
}

func TestTextractMultiPagePDFRunsAsynchronously(t *testing.T) {
	tx, srv := newTextract(t, map[string][]reply{
		"StartExpenseAnalysis": {{200, `{"JobId":"job-1"}`, ""}},
		"GetExpenseAnalysis": {
			{200, `{"JobStatus":"IN_PROGRESS"}`, ""},
			{200, "get-expense-analysis-1.json", ""},
			{200, "get-expense-analysis-2.json", ""},
		},
	})
	pdf := []byte("%PDF-1.4\n1 0 obj <</Type /Pages /Count 2>> endobj\n2 0 obj <</Type /Page>> endobj\n3 0 obj <</Type /Page>> endobj\n")
	res, err := tx.Extract(context.Background(), extract.Document{Bytes: pdf, ContentType: receipt.PDF, Bucket: "receipts", Key: "t1/abc"})
	if err != nil {
		t.Fatal(err)
	}
	start := srv.requests["StartExpenseAnalysis"][0]
	loc, _ := json.Marshal(start["DocumentLocation"])
	if string(loc) != `{"S3Object":{"Bucket":"receipts","Name":"t1/abc"}}` {
		t.Errorf("DocumentLocation = %s", loc)
	}
	gets := srv.requests["GetExpenseAnalysis"]
	if len(gets) != 3 || gets[2]["NextToken"] != "page-2" {
		t.Errorf("GetExpenseAnalysis requests = %v", gets)
	}
	if !strings.Contains(res.Text, "Page 2 of 2") || res.Fields.Total != "9.00" {
		t.Errorf("text %q, total %q", res.Text, res.Fields.Total)
	}
}

func TestTextractErrors(t *testing.T) {
	tests := []struct {
		name           string
		responses      map[string][]reply
		pdf            bool
		wantUnreadable bool
	}{
		{"bad document", map[string][]reply{"AnalyzeExpense": {{400, `{"__type":"BadDocumentException","Message":"unsupported"}`, "BadDocumentException"}}}, false, true},
		{"unsupported document", map[string][]reply{"AnalyzeExpense": {{400, `{"__type":"UnsupportedDocumentException"}`, "UnsupportedDocumentException"}}}, false, true},
		{"throttled", map[string][]reply{"AnalyzeExpense": {{400, `{"__type":"ThrottlingException"}`, "ThrottlingException"}}}, false, false},
		{"over throughput", map[string][]reply{"AnalyzeExpense": {{400, `{"__type":"ProvisionedThroughputExceededException"}`, "ProvisionedThroughputExceededException"}}}, false, false},
		{"service error", map[string][]reply{"AnalyzeExpense": {{500, `{"__type":"InternalServerError"}`, "InternalServerError"}}}, false, false},
		{"no text", map[string][]reply{"AnalyzeExpense": {{200, `{"ExpenseDocuments":[{"Blocks":[]}]}`, ""}}}, false, true},
		{"job failed", map[string][]reply{
			"StartExpenseAnalysis": {{200, `{"JobId":"j"}`, ""}},
			"GetExpenseAnalysis":   {{200, `{"JobStatus":"FAILED","StatusMessage":"unreadable"}`, ""}},
		}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx, _ := newTextract(t, tt.responses)
			doc := extract.Document{Bytes: []byte("\x89PNG\r\n\x1a\n"), ContentType: receipt.PNG}
			if tt.pdf {
				doc = extract.Document{Bytes: []byte("<</Type /Page>> <</Type /Page>>"), ContentType: receipt.PDF, Bucket: "b", Key: "k"}
			}
			_, err := tx.Extract(context.Background(), doc)
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, extract.ErrUnreadable); got != tt.wantUnreadable {
				t.Errorf("unreadable = %v, want %v (%v)", got, tt.wantUnreadable, err)
			}
		})
	}
}

// TestTextractWithoutDecodersFailsOnce: a deployment without the photo
// decoders (Textract's zip function) reads no HEIC, and says so at once,
// rather than have the receipt retried.
func TestTextractWithoutDecodersFailsOnce(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	tx, srv := newTextract(t, map[string][]reply{})
	_, err := tx.Extract(context.Background(), extract.Document{Bytes: testdocs.HEIF(40, 30), ContentType: receipt.HEIC})
	if !errors.Is(err, extract.ErrUnreadable) || !strings.Contains(err.Error(), "no decoder") {
		t.Errorf("err = %v, want an unreadable document naming the missing decoder", err)
	}
	if len(srv.requests["AnalyzeExpense"]) != 0 {
		t.Error("Textract was called with a HEIC")
	}
}
