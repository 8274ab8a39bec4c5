//go:build !integration

package samtemplate_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/local/samtemplate"
	"github.com/receipts-api/receipts/internal/local/testenv"
)

const tpl = `
Parameters:
  Stage:
    Type: String
    Default: v1
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Globals:
  Function:
    Timeout: 10
    Environment:
      Variables:
        TABLE: !Ref Table
        SHARED: global
  Api:
    BinaryMediaTypes: ["image~1png"]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-receipts"
  Bucket:
    Type: AWS::S3::Bucket
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/fn/
      MemorySize: 512
      Environment:
        Variables:
          SHARED: local
          ARN: !GetAtt Table.Arn
          BUCKET_ARN: !Sub "${Bucket.Arn}/*"
          MODE: !If [IsProd, fast, careful]
          JOINED: !Join ["-", [a, !Ref Stage]]
          LITERAL: !Sub "${!NotAVar}"
          TABLE: !Sub "${AWS::StackName}-override"
      Events:
        Get:
          Type: Api
          Properties:
            Path: /things/{id}
            Method: get
`

func TestFunctionResolvesGlobalsAndIntrinsics(t *testing.T) {
	tp, err := samtemplate.Parse([]byte(tpl), samtemplate.Options{StackName: "st"})
	if err != nil {
		t.Fatal(err)
	}
	fn, err := tp.Function("Fn")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"TABLE":      "st-override", // an intrinsic replaces the global's, never merges with it
		"SHARED":     "local",
		"ARN":        "arn:aws:dynamodb:us-east-1:123456789012:table/st-receipts",
		"BUCKET_ARN": "arn:aws:s3:::st-bucket/*",
		"MODE":       "careful",
		"JOINED":     "a-v1",
		"LITERAL":    "${NotAVar}",
	}
	if !reflect.DeepEqual(fn.Env, want) {
		t.Errorf("Env = %v, want %v", fn.Env, want)
	}
	if fn.Timeout != 10*time.Second || fn.MemoryMB != 512 {
		t.Errorf("Timeout, MemoryMB = %v, %d; want 10s, 512", fn.Timeout, fn.MemoryMB)
	}
	routes, err := tp.Routes()
	if err != nil {
		t.Fatal(err)
	}
	wantRoutes := []samtemplate.Route{{API: "ServerlessRestApi", Method: "GET", Path: "/things/{id}", Function: "Fn"}}
	if !reflect.DeepEqual(routes, wantRoutes) {
		t.Errorf("Routes = %+v, want %+v", routes, wantRoutes)
	}
	api, err := tp.API("ServerlessRestApi")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(api.BinaryMediaTypes, []string{"image/png"}) {
		t.Errorf("BinaryMediaTypes = %v", api.BinaryMediaTypes)
	}
}

func TestParameterOverride(t *testing.T) {
	tp, err := samtemplate.Parse([]byte(tpl), samtemplate.Options{Parameters: map[string]string{"Stage": "prod"}})
	if err != nil {
		t.Fatal(err)
	}
	fn, err := tp.Function("Fn")
	if err != nil {
		t.Fatal(err)
	}
	if fn.Env["MODE"] != "fast" || fn.Env["JOINED"] != "a-prod" {
		t.Errorf("Env = %v", fn.Env)
	}
}

func TestUnsupportedIntrinsicIsAnError(t *testing.T) {
	tp, err := samtemplate.Parse([]byte(`
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: x/
      Environment:
        Variables:
          X: !ImportValue other-stack-output
`), samtemplate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tp.Function("Fn"); err == nil {
		t.Error("Function resolved Fn::ImportValue; want an error")
	}
}

// The project's own template: every function has a route and the settings
// the local stack relies on.
func TestProjectTemplate(t *testing.T) {
	tp := testenv.Template(t)
	routes, err := tp.Routes()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range routes {
		got[r.Method+" "+r.Path] = r.Function
	}
	want := map[string]string{
		"POST /receipt":     "UploadFunction",
		"GET /receipt/{id}": "GetFunction",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("route %s -> %q, want %q", k, got[k], v)
		}
	}
	api, err := tp.API("ReceiptsApi")
	if err != nil {
		t.Fatal(err)
	}
	if api.GatewayResponses["MISSING_AUTHENTICATION_TOKEN"].StatusCode != 404 {
		t.Errorf("unknown routes are not a 404 in the template")
	}
	fns, err := tp.Functions()
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range fns {
		if fn.Runtime != "provided.al2023" || fn.Handler != "bootstrap" {
			t.Errorf("%s: runtime %q handler %q", fn.LogicalID, fn.Runtime, fn.Handler)
		}
		if fn.LogFormat != "JSON" || fn.LogLevel == "" {
			t.Errorf("%s: LoggingConfig format %q level %q; want JSON and a level", fn.LogicalID, fn.LogFormat, fn.LogLevel)
		}
		if fn.Env["TABLE_NAME"] == "" || fn.Env["BUCKET_NAME"] == "" {
			t.Errorf("%s: TABLE_NAME or BUCKET_NAME missing from %v", fn.LogicalID, fn.Env)
		}
	}
}

func TestLoggingConfig(t *testing.T) {
	const tpl = `
Parameters:
  Level:
    Type: String
    Default: WARN
Globals:
  Function:
    LoggingConfig:
      LogFormat: JSON
      ApplicationLogLevel: !Ref Level
Resources:
  Inherits:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: a/
  Overrides:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: b/
      LoggingConfig:
        ApplicationLogLevel: DEBUG
  Plain:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: c/
      LoggingConfig:
        LogFormat: Text
`
	tp, err := samtemplate.Parse([]byte(tpl), samtemplate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ fn, format, level string }{
		{"Inherits", "JSON", "WARN"},
		{"Overrides", "JSON", "DEBUG"},
		{"Plain", "Text", "WARN"},
	}
	for _, tt := range tests {
		fn, err := tp.Function(tt.fn)
		if err != nil {
			t.Fatal(err)
		}
		if fn.LogFormat != tt.format || fn.LogLevel != tt.level {
			t.Errorf("%s: format %q level %q; want %q %q", tt.fn, fn.LogFormat, fn.LogLevel, tt.format, tt.level)
		}
	}
}

func TestResourceConditions(t *testing.T) {
	const tpl = `
Parameters:
  Engine:
    Type: String
    Default: zip
Conditions:
  UseZip: !Equals [!Ref Engine, zip]
  UseImage: !Not [!Condition UseZip]
Resources:
  ZipFn:
    Type: AWS::Serverless::Function
    Condition: UseZip
    Properties:
      CodeUri: a/
  ImageFn:
    Type: AWS::Serverless::Function
    Condition: UseImage
    Properties:
      CodeUri: b/
  Always:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: c/
      Environment:
        Variables:
          WORKER: !If [UseZip, !Ref ZipFn, !Ref ImageFn]
`
	tests := []struct {
		engine string
		want   []string
		worker string
	}{
		{"zip", []string{"Always", "ZipFn"}, "ZipFn"},
		{"image", []string{"Always", "ImageFn"}, "ImageFn"},
	}
	for _, tt := range tests {
		t.Run(tt.engine, func(t *testing.T) {
			tp, err := samtemplate.Parse([]byte(tpl), samtemplate.Options{Parameters: map[string]string{"Engine": tt.engine}})
			if err != nil {
				t.Fatal(err)
			}
			fns, err := tp.Functions()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, fn := range fns {
				got = append(got, fn.LogicalID)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("functions %v, want %v", got, tt.want)
			}
			always, err := tp.Function("Always")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(always.Env["WORKER"], tt.worker) {
				t.Errorf("WORKER = %q, want the name of %s", always.Env["WORKER"], tt.worker)
			}
		})
	}
	if _, err := samtemplate.Parse([]byte("Resources:\n  X:\n    Type: AWS::SQS::Queue\n    Condition: Nope\n"), samtemplate.Options{}); err == nil {
		t.Error("a resource with an unknown condition must be an error")
	}
}

// API Gateway caches a Lambda authorizer's result for ReauthorizeEvery
// seconds (300 when unset), keyed on its identity sources, which must be
// sent: the local gateway does the same with what the template says.
func TestAuthorizerIdentityAndCache(t *testing.T) {
	tests := []struct {
		name        string
		identity    string
		wantHeaders []string
		wantTTL     time.Duration
		wantErr     string
	}{
		{"no caching", "{ReauthorizeEvery: 0}", nil, 0, ""},
		{"no caching, quoted", `{ReauthorizeEvery: "0"}`, nil, 0, ""},
		{"no caching, a header", "{Headers: [Authorization], ReauthorizeEvery: 0}", []string{"Authorization"}, 0, ""},
		{"cached for a minute", "{Headers: [Authorization], ReauthorizeEvery: 60}", []string{"Authorization"}, time.Minute, ""},
		{"from a parameter", "{Headers: [Authorization], ReauthorizeEvery: !Ref Ttl}", []string{"Authorization"}, 90 * time.Second, ""},
		{"cached by default", "{Headers: [Authorization, X-Tenant]}", []string{"Authorization", "X-Tenant"}, 300 * time.Second, ""},
		{"cached without an identity", "{ReauthorizeEvery: 60}", nil, 0, "names no identity"},
		{"no identity at all", "", nil, 0, "names no identity"},
		{"a query string identity", "{QueryStrings: [key], ReauthorizeEvery: 0}", nil, 0, "Identity.QueryStrings"},
		{"past API Gateway's most", "{Headers: [Authorization], ReauthorizeEvery: 3601}", nil, 0, "0 to 3600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			identity := ""
			if tt.identity != "" {
				identity = "\n            Identity: " + tt.identity
			}
			tp, err := samtemplate.Parse([]byte(`
Parameters:
  Ttl: {Type: Number, Default: 90}
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Auth:
        DefaultAuthorizer: Keys
        Authorizers:
          Keys:
            FunctionPayloadType: REQUEST
            FunctionArn: arn:aws:lambda:us-east-1:123456789012:function:AuthFn`+identity+`
`), samtemplate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			api, err := tp.API("Api")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("API error = %v; want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || api.Authorizer != "AuthFn" {
				t.Fatalf("API = %+v, %v; want authorizer AuthFn", api, err)
			}
			if !slices.Equal(api.AuthorizerHeaders, tt.wantHeaders) || api.AuthorizerTTL != tt.wantTTL {
				t.Errorf("identity %v cached %s; want %v cached %s", api.AuthorizerHeaders, api.AuthorizerTTL, tt.wantHeaders, tt.wantTTL)
			}
		})
	}
}
