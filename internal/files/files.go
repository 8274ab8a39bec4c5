// Package files keeps receipt documents in S3.
package files

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/receipts-api/receipts/internal/awsclient"
	"github.com/receipts-api/receipts/internal/receipt"
)

// Store is object storage in one bucket.
type Store struct {
	s3     *s3.Client
	bucket string
}

// New returns a Store over the named bucket.
func New(client *s3.Client, bucket string) *Store {
	return &Store{s3: client, bucket: bucket}
}

// Client returns an S3 client for cfg, at AWS_ENDPOINT_URL_S3 when that is
// set. Against such a local endpoint it addresses buckets by path (no
// wildcard DNS on loopback) and sends checksums only where the API requires
// them, since S3 emulators may not parse checksum trailers.
func Client(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if o.BaseEndpoint = awsclient.Endpoint("S3"); o.BaseEndpoint != nil {
			o.UsePathStyle = true
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
}

// Put stores body at key.
func (s *Store) Put(ctx context.Context, key string, body []byte, contentType string) error {
	_, err := s.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String(contentType),
	})
	if err != nil {
		return fmt.Errorf("put object %s: %w", key, err)
	}
	return nil
}

// Get returns the object at key, or receipt.ErrNotFound.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	b, _, err := s.GetTagged(ctx, key)
	return b, err
}

// GetTagged returns the object at key and its ETag, or receipt.ErrNotFound.
// The ETag names this version of the object: a Copy conditioned on it
// copies these bytes or nothing.
func (s *Store) GetTagged(ctx context.Context, key string) ([]byte, string, error) {
	out, err := s.s3.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
	})
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) {
			return nil, "", fmt.Errorf("get object %s: %w", key, receipt.ErrNotFound)
		}
		return nil, "", fmt.Errorf("get object %s: %w", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, "", fmt.Errorf("read object %s: %w", key, err)
	}
	return b, aws.ToString(out.ETag), nil
}

// Copy copies the object at src to dst, inside the bucket, provided src
// still has the ETag etag; if it has changed, Copy fails with
// receipt.ErrConflict and copies nothing. (S3 checks the ETag; an emulator
// may not, so callers that must be sure check what landed at dst.)
func (s *Store) Copy(ctx context.Context, src, dst, etag string) error {
	_, err := s.s3.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket:            aws.String(s.bucket),
		Key:               aws.String(dst),
		CopySource:        aws.String(url.PathEscape(s.bucket) + "/" + escapeKey(src)),
		CopySourceIfMatch: aws.String(etag),
	})
	if err != nil {
		var api smithy.APIError
		if errors.As(err, &api) && api.ErrorCode() == "PreconditionFailed" {
			return fmt.Errorf("copy %s to %s: %w", src, dst, receipt.ErrConflict)
		}
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	return nil
}

// escapeKey URL-encodes each segment of an object key, keeping its slashes,
// as CopySource wants it.
func escapeKey(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// Delete removes the object at key; removing a missing object is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	_, err := s.s3.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
	})
	if err != nil {
		return fmt.Errorf("delete object %s: %w", key, err)
	}
	return nil
}

// PresignPut returns a URL that lets its holder PUT one object at key, of
// the given type and size, until ttl passes, and the headers the PUT must
// carry (they are signed). One of them is "If-None-Match: *": S3 refuses a
// PUT while an object is at key, so an upload can't be replaced while it is
// being checked.
func (s *Store) PresignPut(ctx context.Context, key, contentType string, size int64, ttl time.Duration) (string, map[string]string, error) {
	req, err := s3.NewPresignClient(s.s3).PresignPutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(key),
		ContentType:   aws.String(contentType),
		ContentLength: aws.Int64(size),
		IfNoneMatch:   aws.String("*"),
	}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", nil, fmt.Errorf("presign put %s: %w", key, err)
	}
	headers := map[string]string{}
	for k, v := range req.SignedHeader {
		if !strings.EqualFold(k, "Host") && len(v) > 0 {
			headers[k] = v[0]
		}
	}
	return req.URL, headers, nil
}

// Size returns the size of the object at key, or receipt.ErrNotFound.
func (s *Store) Size(ctx context.Context, key string) (int64, error) {
	out, err := s.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		var nf *types.NotFound
		var nsk *types.NoSuchKey
		if errors.As(err, &nf) || errors.As(err, &nsk) {
			return 0, fmt.Errorf("head object %s: %w", key, receipt.ErrNotFound)
		}
		return 0, fmt.Errorf("head object %s: %w", key, err)
	}
	return aws.ToInt64(out.ContentLength), nil
}
