// Package awsclient builds the AWS SDK clients the functions share, from the
// environment Lambda gives a function: region and credentials from the
// standard variables, endpoints from AWS_ENDPOINT_URL_<SERVICE> when set (the
// local stack sets them), so one binary talks to AWS or to the local stack.
//
// It does not use config.LoadDefaultConfig: in Lambda the credentials are
// always in the environment, and the shared-config, SSO and STS providers it
// links in add a millisecond or more to every cold start. For the same
// reason it links no client but DynamoDB's, which every function uses: the S3
// client is built by package files, so a function that reads only the table
// (the authorizer) does not initialise the S3 package.
package awsclient

import (
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Load returns SDK configuration from the function's environment.
func Load() (aws.Config, error) {
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = os.Getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		return aws.Config{}, fmt.Errorf("load aws config: AWS_REGION is not set")
	}
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if key == "" || secret == "" {
		return aws.Config{}, fmt.Errorf("load aws config: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set")
	}
	return aws.Config{
		Region: region,
		Credentials: aws.NewCredentialsCache(
			credentials.NewStaticCredentialsProvider(key, secret, os.Getenv("AWS_SESSION_TOKEN"))),
	}, nil
}

// Endpoint is the endpoint override for a service (e.g. "S3"), as the
// SDK's own configuration would read it, or nil.
func Endpoint(service string) *string {
	for _, name := range []string{"AWS_ENDPOINT_URL_" + service, "AWS_ENDPOINT_URL"} {
		if v := os.Getenv(name); v != "" {
			return aws.String(v)
		}
	}
	return nil
}

// DynamoDB returns a DynamoDB client for cfg.
func DynamoDB(cfg aws.Config) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = Endpoint("DYNAMODB")
	})
}

// RequireEnv returns the value of the environment variable name, or an
// error naming it, so a function with missing configuration fails at init.
func RequireEnv(name string) (string, error) {
	v := os.Getenv(name)
	if v == "" {
		return "", fmt.Errorf("environment variable %s is not set", name)
	}
	return v, nil
}
