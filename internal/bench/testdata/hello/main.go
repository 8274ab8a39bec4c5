// Command hello is the smallest aws-lambda-go function: the cold-start
// baseline the service's functions are measured against.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(func() (string, error) { return "hello", nil })
}
