package fake_test

import (
	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/auth"
	"github.com/receipts-api/receipts/internal/fake"
	"github.com/receipts-api/receipts/internal/files"
	"github.com/receipts-api/receipts/internal/processor"
	"github.com/receipts-api/receipts/internal/retry"
	"github.com/receipts-api/receipts/internal/store"
	"github.com/receipts-api/receipts/internal/sweep"
	"github.com/receipts-api/receipts/internal/uploads"
	"github.com/receipts-api/receipts/internal/webhookqueue"
	"github.com/receipts-api/receipts/internal/workqueue"
)

// The real stores and the fakes satisfy every interface the code declares
// for them, so a unit test over a fake exercises what runs over the real
// one. (Here, not in package fake, so that fake imports none of the
// packages whose own tests import it.)
var (
	_ api.Receipts               = (*store.Store)(nil)
	_ api.Receipts               = (*fake.Store)(nil)
	_ api.Idempotency            = (*store.Store)(nil)
	_ api.Idempotency            = (*fake.Store)(nil)
	_ api.Webhooks               = (*store.Store)(nil)
	_ api.Webhooks               = (*fake.Store)(nil)
	_ api.Files                  = (*files.Store)(nil)
	_ api.Files                  = (*fake.Files)(nil)
	_ uploads.Receipts           = (*store.Store)(nil)
	_ uploads.Receipts           = (*fake.Store)(nil)
	_ uploads.Files              = (*files.Store)(nil)
	_ uploads.Files              = (*fake.Files)(nil)
	_ processor.Receipts         = (*store.Store)(nil)
	_ processor.Receipts         = (*fake.Store)(nil)
	_ processor.Files            = (*files.Store)(nil)
	_ processor.Files            = (*fake.Files)(nil)
	_ processor.Retrier          = (*retry.Backoff)(nil)
	_ processor.Retrier          = (*fake.Retrier)(nil)
	_ sweep.Receipts             = (*store.Store)(nil)
	_ sweep.Receipts             = (*fake.Store)(nil)
	_ sweep.Files                = (*files.Store)(nil)
	_ sweep.Files                = (*fake.Files)(nil)
	_ sweep.Retrier              = (*retry.Backoff)(nil)
	_ sweep.Retrier              = (*fake.Retrier)(nil)
	_ workqueue.Failer           = (*store.Store)(nil)
	_ workqueue.Failer           = (*fake.Store)(nil)
	_ workqueue.Retrier          = (*retry.Backoff)(nil)
	_ workqueue.Retrier          = (*fake.Retrier)(nil)
	_ webhookqueue.DeliveryStore = (*store.Store)(nil)
	_ webhookqueue.DeliveryStore = (*fake.Store)(nil)
	_ webhookqueue.EventStore    = (*store.Store)(nil)
	_ webhookqueue.EventStore    = (*fake.Store)(nil)
	_ auth.Keys                  = (*store.Store)(nil)
	_ auth.Keys                  = (*fake.Store)(nil)
)
