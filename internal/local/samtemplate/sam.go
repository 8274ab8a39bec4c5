// Package sam reads an AWS SAM template the way the local stack needs it:
// functions with their merged Globals and environment, API routes, gateway
// settings, tables and buckets, with intrinsic functions resolved for a
// local stack. It is not a CloudFormation engine; what it cannot resolve it
// reports instead of guessing.
package samtemplate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Options say what the local stack is called and where it pretends to live.
type Options struct {
	StackName  string
	Region     string
	AccountID  string
	Parameters map[string]string // parameter overrides
	Refs       map[string]string // physical names the stack assigns, by logical id
}

// Template is a parsed SAM template.
type Template struct {
	// Dir is the template's folder; CodeUri paths are relative to it.
	Dir        string
	opts       Options
	globals    map[string]any
	params     map[string]any
	conditions map[string]any
	resources  map[string]map[string]any
}

// Load reads the template at path.
func Load(path string, opts Options) (*Template, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	t, err := Parse(src, opts)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	t.Dir = filepath.Dir(path)
	return t, nil
}

// Parse reads a template from src.
func Parse(src []byte, opts Options) (*Template, error) {
	doc, err := decode(src)
	if err != nil {
		return nil, err
	}
	if opts.StackName == "" {
		opts.StackName = "local"
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "123456789012"
	}
	t := &Template{Dir: ".", opts: opts, resources: map[string]map[string]any{}}
	t.globals, _ = doc["Globals"].(map[string]any)
	t.params, _ = doc["Parameters"].(map[string]any)
	t.conditions, _ = doc["Conditions"].(map[string]any)
	res, ok := doc["Resources"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("template has no Resources")
	}
	for id, r := range res {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("resource %s is not a mapping", id)
		}
		t.resources[id] = m
	}
	// A resource whose Condition is false is not created, as in
	// CloudFormation: the local stack must not run it either.
	for _, id := range sortedKeys(t.resources) {
		name, ok := t.resources[id]["Condition"].(string)
		if !ok {
			continue
		}
		on, err := t.condition(name)
		if err != nil {
			return nil, fmt.Errorf("resource %s: %w", id, err)
		}
		if !on {
			delete(t.resources, id)
		}
	}
	return t, nil
}

// SetRef fixes the physical name a resource's Ref resolves to.
func (t *Template) SetRef(logicalID, value string) {
	if t.opts.Refs == nil {
		t.opts.Refs = map[string]string{}
	}
	t.opts.Refs[logicalID] = value
}

// Region is the region the stack pretends to be in.
func (t *Template) Region() string { return t.opts.Region }

// AccountID is the account the stack pretends to belong to.
func (t *Template) AccountID() string { return t.opts.AccountID }

// ofType returns the logical ids of resources of the given type, sorted.
func (t *Template) ofType(typ string) []string {
	var ids []string
	for _, id := range sortedKeys(t.resources) {
		if t.resources[id]["Type"] == typ {
			ids = append(ids, id)
		}
	}
	return ids
}

// properties returns a resource's properties with Globals of the given
// section applied underneath and intrinsics resolved.
func (t *Template) properties(logicalID, globalsSection string) (map[string]any, error) {
	props, _ := t.resources[logicalID]["Properties"].(map[string]any)
	merged := map[string]any{}
	if g, ok := t.globals[globalsSection].(map[string]any); ok {
		for k, v := range g {
			merged[k] = v
		}
	}
	for k, v := range props {
		merged[k] = mergeGlobal(merged[k], v)
	}
	r, err := t.resolve(merged)
	if err != nil {
		return nil, fmt.Errorf("resource %s: %w", logicalID, err)
	}
	return r.(map[string]any), nil
}

// mergeGlobal merges maps key by key (as SAM does for Environment
// Variables); anything else in the resource replaces the global.
func mergeGlobal(global, local any) any {
	gm, gok := global.(map[string]any)
	lm, lok := local.(map[string]any)
	if !gok || !lok || intrinsic(gm) || intrinsic(lm) {
		return local
	}
	out := map[string]any{}
	for k, v := range gm {
		out[k] = v
	}
	for k, v := range lm {
		out[k] = mergeGlobal(out[k], v)
	}
	return out
}

// intrinsic reports whether m is an intrinsic function call ({"Ref": x},
// {"Fn::Sub": s}, ...): a value, not a mapping to merge.
func intrinsic(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

// Function is a AWS::Serverless::Function as the local stack runs it.
type Function struct {
	LogicalID string
	CodeURI   string // absolute; empty for an image
	// PackageType is "Zip" or "Image".
	PackageType string
	Handler     string
	Runtime     string
	Timeout     time.Duration
	MemoryMB    int
	Env         map[string]string
	// LogFormat and LogLevel are the LoggingConfig's LogFormat ("Text"
	// when unset) and ApplicationLogLevel.
	LogFormat, LogLevel string
	// Metadata is the resource's Metadata (BuildMethod and its settings).
	Metadata   map[string]any
	Events     []Event
	Properties map[string]any
}

// Event is one of a function's event sources.
type Event struct {
	Name       string
	Type       string
	Properties map[string]any
}

// Functions returns every function in the template, sorted by logical id.
func (t *Template) Functions() ([]Function, error) {
	var fns []Function
	for _, id := range t.ofType("AWS::Serverless::Function") {
		fn, err := t.Function(id)
		if err != nil {
			return nil, err
		}
		fns = append(fns, fn)
	}
	return fns, nil
}

// Function returns the function with the given logical id.
func (t *Template) Function(logicalID string) (Function, error) {
	if t.resources[logicalID]["Type"] != "AWS::Serverless::Function" {
		return Function{}, fmt.Errorf("no function %s in the template", logicalID)
	}
	p, err := t.properties(logicalID, "Function")
	if err != nil {
		return Function{}, err
	}
	fn := Function{
		LogicalID: logicalID, Handler: str(p["Handler"]), Runtime: str(p["Runtime"]),
		Timeout: 3 * time.Second, MemoryMB: 128, Env: map[string]string{}, Properties: p,
	}
	fn.PackageType = str(p["PackageType"])
	if fn.PackageType == "" {
		fn.PackageType = "Zip"
	}
	code := str(p["CodeUri"])
	switch {
	case fn.PackageType == "Image":
		// Built by Docker from Metadata's Dockerfile; no code folder.
	case code == "":
		return Function{}, fmt.Errorf("function %s has no CodeUri", logicalID)
	default:
		fn.CodeURI, err = filepath.Abs(filepath.Join(t.Dir, code))
		if err != nil {
			return Function{}, err
		}
	}
	if v, ok := p["Timeout"].(int); ok {
		fn.Timeout = time.Duration(v) * time.Second
	}
	if v, ok := p["MemorySize"].(int); ok {
		fn.MemoryMB = v
	}
	fn.Metadata, _ = t.resources[logicalID]["Metadata"].(map[string]any)
	fn.LogFormat = "Text"
	if lc, ok := p["LoggingConfig"].(map[string]any); ok {
		if f := str(lc["LogFormat"]); f != "" {
			fn.LogFormat = f
		}
		fn.LogLevel = str(lc["ApplicationLogLevel"])
	}
	if env, ok := p["Environment"].(map[string]any); ok {
		vars, _ := env["Variables"].(map[string]any)
		for k, v := range vars {
			fn.Env[k] = str(v)
		}
	}
	events, _ := p["Events"].(map[string]any)
	for _, name := range sortedKeys(events) {
		e, _ := events[name].(map[string]any)
		props, _ := e["Properties"].(map[string]any)
		fn.Events = append(fn.Events, Event{Name: name, Type: str(e["Type"]), Properties: props})
	}
	return fn, nil
}

// Route is one API Gateway method that a function serves.
type Route struct {
	API      string // logical id of the AWS::Serverless::Api
	Method   string // upper case, or ANY
	Path     string // e.g. /receipt/{id}
	Function string
	// NoAuth is set for routes that opt out of the API's default
	// authorizer (Auth: {Authorizer: NONE}).
	NoAuth bool
}

// implicitAPI is the API SAM creates for Api events that name none.
const implicitAPI = "ServerlessRestApi"

// Routes returns the routes declared by the functions' Api events.
func (t *Template) Routes() ([]Route, error) {
	fns, err := t.Functions()
	if err != nil {
		return nil, err
	}
	var routes []Route
	for _, fn := range fns {
		for _, e := range fn.Events {
			if e.Type != "Api" {
				continue
			}
			api := str(e.Properties["RestApiId"])
			if api == "" {
				api = implicitAPI
			}
			auth, _ := e.Properties["Auth"].(map[string]any)
			routes = append(routes, Route{
				API: api, Method: strings.ToUpper(str(e.Properties["Method"])),
				Path: str(e.Properties["Path"]), Function: fn.LogicalID,
				NoAuth: str(auth["Authorizer"]) == "NONE",
			})
		}
	}
	return routes, nil
}

// API is an AWS::Serverless::Api's settings that shape requests and errors.
type API struct {
	LogicalID        string
	StageName        string
	BinaryMediaTypes []string
	GatewayResponses map[string]GatewayResponse
	// Authorizer is the function of the default Lambda authorizer (REQUEST
	// type), if the API has one.
	Authorizer string
	// AuthorizerHeaders are the authorizer's identity sources: request
	// headers that must be present and not empty, or API Gateway answers
	// 401 without calling it. Their values key its result cache.
	AuthorizerHeaders []string
	// AuthorizerTTL is how long API Gateway reuses the authorizer's result
	// for the same identity, on every route (Identity.ReauthorizeEvery,
	// 300 s when unset); 0 calls it on every request.
	AuthorizerTTL time.Duration
}

// GatewayResponse is an API Gateway response to an error of its own.
type GatewayResponse struct {
	StatusCode int
	Headers    map[string]string
	Templates  map[string]string // by content type
}

// API returns the API with the given logical id (ServerlessRestApi for the
// implicit one).
func (t *Template) API(logicalID string) (API, error) {
	a := API{LogicalID: logicalID, GatewayResponses: map[string]GatewayResponse{}}
	var (
		p   map[string]any
		err error
	)
	if _, ok := t.resources[logicalID]; ok {
		p, err = t.properties(logicalID, "Api")
	} else if logicalID == implicitAPI {
		r, rerr := t.resolve(t.globals["Api"])
		p, _ = r.(map[string]any)
		err = rerr
	} else {
		return a, fmt.Errorf("no API %s in the template", logicalID)
	}
	if err != nil {
		return a, err
	}
	a.StageName = str(p["StageName"])
	if auth, ok := p["Auth"].(map[string]any); ok {
		def := str(auth["DefaultAuthorizer"])
		authorizers, _ := auth["Authorizers"].(map[string]any)
		if az, ok := authorizers[def].(map[string]any); ok {
			if typ := str(az["FunctionPayloadType"]); typ != "REQUEST" {
				return a, fmt.Errorf("authorizer %s: only REQUEST authorizers run locally, not %q", def, typ)
			}
			// The ARN ends in function:<name>.
			arn := str(az["FunctionArn"])
			_, a.Authorizer, _ = strings.Cut(arn, ":function:")
			if a.Authorizer == "" {
				return a, fmt.Errorf("authorizer %s: cannot tell its function from %q", def, arn)
			}
			if a.AuthorizerHeaders, a.AuthorizerTTL, err = identity(def, az); err != nil {
				return a, err
			}
		}
	}
	types, _ := p["BinaryMediaTypes"].([]any)
	for _, bt := range types {
		// SAM writes "/" as "~1" in media types.
		a.BinaryMediaTypes = append(a.BinaryMediaTypes, strings.ReplaceAll(str(bt), "~1", "/"))
	}
	responses, _ := p["GatewayResponses"].(map[string]any)
	for typ, r := range responses {
		rm, _ := r.(map[string]any)
		gr := GatewayResponse{Headers: map[string]string{}, Templates: map[string]string{}}
		if sc := str(rm["StatusCode"]); sc != "" {
			if _, err := fmt.Sscan(sc, &gr.StatusCode); err != nil {
				return a, fmt.Errorf("gateway response %s: bad StatusCode %q", typ, sc)
			}
		}
		tpls, _ := rm["ResponseTemplates"].(map[string]any)
		for ct, body := range tpls {
			gr.Templates[ct] = str(body)
		}
		params, _ := rm["ResponseParameters"].(map[string]any)
		headers, _ := params["Headers"].(map[string]any)
		for h, v := range headers {
			// Values are API Gateway mapping expressions; static ones are quoted.
			gr.Headers[h] = strings.Trim(str(v), "'")
		}
		a.GatewayResponses[typ] = gr
	}
	return a, nil
}

// defaultAuthorizerTTL is how long API Gateway caches a Lambda authorizer's
// result when the template leaves ReauthorizeEvery unset, in seconds.
const defaultAuthorizerTTL = 300

// identity reads a REQUEST authorizer's Identity: the headers that identify
// a caller and how long API Gateway caches the result for them. Identity
// sources other than headers are refused rather than ignored, and so is
// caching without any, which API Gateway refuses too.
func identity(name string, az map[string]any) ([]string, time.Duration, error) {
	id, _ := az["Identity"].(map[string]any)
	for _, other := range []string{"QueryStrings", "StageVariables", "Context"} {
		if _, ok := id[other]; ok {
			return nil, 0, fmt.Errorf("authorizer %s: Identity.%s is not run locally; only Identity.Headers", name, other)
		}
	}
	var headers []string
	list, _ := id["Headers"].([]any)
	for _, h := range list {
		headers = append(headers, str(h))
	}
	ttl := defaultAuthorizerTTL
	if v, ok := id["ReauthorizeEvery"]; ok {
		if _, err := fmt.Sscan(str(v), &ttl); err != nil || ttl < 0 || ttl > 3600 {
			return nil, 0, fmt.Errorf("authorizer %s: ReauthorizeEvery %q is not 0 to 3600 seconds", name, str(v))
		}
	}
	if ttl > 0 && len(headers) == 0 {
		return nil, 0, fmt.Errorf("authorizer %s: its results are cached for %d s (300 when ReauthorizeEvery is unset) "+
			"but it names no identity to cache them by; set Identity.Headers", name, ttl)
	}
	return headers, time.Duration(ttl) * time.Second, nil
}

// Resource is a resource's logical id, physical name and resolved properties.
type Resource struct {
	LogicalID  string
	Name       string
	Properties map[string]any
}

// Resources returns the resources of a CloudFormation type, such as
// AWS::DynamoDB::Table, sorted by logical id.
func (t *Template) Resources(typ string) ([]Resource, error) {
	var out []Resource
	for _, id := range t.ofType(typ) {
		p, err := t.properties(id, "")
		if err != nil {
			return nil, err
		}
		out = append(out, Resource{LogicalID: id, Name: t.PhysicalName(id), Properties: p})
	}
	return out, nil
}
