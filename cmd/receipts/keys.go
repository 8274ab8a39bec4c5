package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/receipts-api/receipts/internal/auth"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/store"
)

// keyStore reaches the table: the local stack's DynamoDB Local unless a
// table is named, then AWS with the usual credentials.
func keyStore(ctx context.Context, cfg *config) (*store.Store, error) {
	if cfg.table != "" {
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, err
		}
		return store.New(dynamodb.NewFromConfig(awsCfg), cfg.table), nil
	}
	st, _, err := readLocal()
	if err != nil {
		return nil, err
	}
	// The local services check no signatures; the SDK wants a region and
	// credentials all the same.
	local := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
	db := dynamodb.NewFromConfig(local, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(st.DynamoDB)
	})
	return store.New(db, st.Table), nil
}

type keysCmd struct {
	Create createKeyCmd `cmd:"" help:"Create an API key for a tenant (printed once)."`
	List   listKeysCmd  `cmd:"" help:"List keys, by prefix; never whole keys."`
	Revoke revokeKeyCmd `cmd:"" help:"Revoke a key, given whole or by a prefix naming one key."`
}

type createKeyCmd struct {
	Tenant string `placeholder:"NAME" help:"The tenant the key belongs to."`
}

func (k *createKeyCmd) Run(ctx context.Context, cfg *config) error {
	s, err := keyStore(ctx, cfg)
	if err != nil {
		return err
	}
	key, rec, err := auth.NewKey(k.Tenant, time.Now())
	if err != nil {
		return err
	}
	if err := s.PutKey(ctx, rec); err != nil {
		return err
	}
	if cfg.json {
		printJSON(cfg, map[string]string{"key": key, "tenant": rec.Tenant, "prefix": rec.Prefix})
	} else {
		fmt.Fprintf(cfg.out, "%s\n", key)
		fmt.Fprintf(cfg.errOut, "key for tenant %q; it is shown only now\n", rec.Tenant)
	}
	return nil
}

type listKeysCmd struct{}

func (listKeysCmd) Run(ctx context.Context, cfg *config) error {
	s, err := keyStore(ctx, cfg)
	if err != nil {
		return err
	}
	ks, err := s.ListKeys(ctx)
	if err != nil {
		return err
	}
	if cfg.json {
		out := make([]map[string]any, 0, len(ks))
		for _, k := range ks {
			out = append(out, map[string]any{"prefix": k.Prefix, "tenant": k.Tenant, "createdAt": k.CreatedAt, "revoked": !k.Active()})
		}
		printJSON(cfg, out)
		return nil
	}
	w := tabwriter.NewWriter(cfg.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "PREFIX\tTENANT\tCREATED\tSTATE")
	for _, k := range ks {
		state := "active"
		if !k.Active() {
			state = "revoked " + k.RevokedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%s…\t%s\t%s\t%s\n", k.Prefix, k.Tenant, k.CreatedAt.Format(time.RFC3339), state)
	}
	return w.Flush()
}

type revokeKeyCmd struct {
	Key string `arg:"" name:"key-or-prefix" help:"The key, or a prefix as keys list shows it."`
}

func (k *revokeKeyCmd) Run(ctx context.Context, cfg *config) error {
	s, err := keyStore(ctx, cfg)
	if err != nil {
		return err
	}
	return revoke(ctx, cfg, s, strings.TrimSuffix(k.Key, "…"))
}

// revoke takes a whole key, or a prefix that names exactly one key.
func revoke(ctx context.Context, cfg *config, s *store.Store, which string) error {
	hash := auth.Hash(which)
	if len(which) <= len(auth.Prefix(which)) {
		ks, err := s.ListKeys(ctx)
		if err != nil {
			return err
		}
		var found []receipt.APIKey
		for _, k := range ks {
			if strings.HasPrefix(k.Prefix, which) {
				found = append(found, k)
			}
		}
		if len(found) != 1 {
			return fmt.Errorf("%q names %d keys; give a longer prefix or the key", which, len(found))
		}
		hash = found[0].Hash
	}
	if err := s.RevokeKey(ctx, hash, time.Now()); err != nil {
		return errors.New("no such key")
	}
	if cfg.json {
		printJSON(cfg, map[string]string{"revoked": which})
	} else {
		fmt.Fprintf(cfg.out, "revoked %s\n", which)
	}
	return nil
}
