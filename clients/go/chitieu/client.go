// Package chitieu is a thin Go client of the Chỉ tiêu gateway. The messages
// and stubs are generated from proto/ by Debian's protoc-gen-go and
// protoc-gen-go-grpc (clients/go/go.sh; nothing generated is committed).
// This layer adds one connection with credentials (API key or JWT, optional
// TLS), a default deadline, retries of UNAVAILABLE, and errors that carry
// their field violations.
package chitieu

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"time"

	gatewayv1 "chitieu.local/gen/chitieu/gateway/v1"
	quotav1 "chitieu.local/gen/chitieu/quota/v1"
	registryv1 "chitieu.local/gen/chitieu/registry/v1"
	reportingv1 "chitieu.local/gen/chitieu/reporting/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
)

// Options of Connect; empty fields take their defaults.
type Options struct {
	Address    string        // default CHITIEU_ADDR, else 127.0.0.1:7400
	Credential string        // API key or JWT; default CHITIEU_API_KEY
	CAFile     string        // PEM CA: use TLS verified against it
	Timeout    time.Duration // per call, when the context has no deadline; default 10 s
}

// Client holds one connection and a stub per service.
type Client struct {
	conn      *grpc.ClientConn
	Registry  registryv1.RegistryServiceClient
	Quota     quotav1.QuotaServiceClient
	Reporting reportingv1.ReportingServiceClient
	Gateway   gatewayv1.GatewayServiceClient
}

// bearer sends the credential with every call (also over plaintext, for
// loopback and private networks).
type bearer string

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	if b == "" {
		return nil, nil
	}
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}

func (bearer) RequireTransportSecurity() bool { return false }

// Connect dials the gateway.
func Connect(o Options) (*Client, error) {
	if o.Address == "" {
		o.Address = os.Getenv("CHITIEU_ADDR")
	}
	if o.Address == "" {
		o.Address = "127.0.0.1:7400"
	}
	if o.Credential == "" {
		o.Credential = os.Getenv("CHITIEU_API_KEY")
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	transport := grpc.WithInsecure()
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificate in %s", o.CAFile)
		}
		transport = grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool}))
	}
	conn, err := grpc.Dial(o.Address, transport,
		grpc.WithPerRPCCredentials(bearer(o.Credential)),
		grpc.WithChainUnaryInterceptor(deadline(o.Timeout), retryUnavailable(4)))
	if err != nil {
		return nil, err
	}
	return &Client{
		conn:      conn,
		Registry:  registryv1.NewRegistryServiceClient(conn),
		Quota:     quotav1.NewQuotaServiceClient(conn),
		Reporting: reportingv1.NewReportingServiceClient(conn),
		Gateway:   gatewayv1.NewGatewayServiceClient(conn),
	}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

func deadline(d time.Duration) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply interface{}, cc *grpc.ClientConn,
		invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

// retryUnavailable retries a call that failed UNAVAILABLE (a service
// restarting) with backoff from 100 ms to 2 s. Reads are safe to retry;
// writes carry a request_id, so a retried write is applied once. (grpc-go
// 1.33, Debian's, retries by service config only with GRPC_GO_RETRY=on.)
func retryUnavailable(attempts int) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply interface{}, cc *grpc.ClientConn,
		invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		backoff := 100 * time.Millisecond
		for attempt := 1; ; attempt++ {
			err := invoker(ctx, method, req, reply, cc, opts...)
			if status.Code(err) != codes.Unavailable || attempt == attempts {
				return err
			}
			select {
			case <-ctx.Done():
				return err
			case <-time.After(backoff):
			}
			if backoff *= 2; backoff > 2*time.Second {
				backoff = 2 * time.Second
			}
		}
	}
}

// FieldViolation names a bad field of a request and says why.
type FieldViolation struct{ Field, Description string }

// APIError is a failed call: its code, message, field violations and reason.
type APIError struct {
	Code            codes.Code
	Message         string
	FieldViolations []FieldViolation
	Reason          string
}

func (e *APIError) Error() string {
	lines := []string{fmt.Sprintf("%s: %s", e.Code, e.Message)}
	for _, v := range e.FieldViolations {
		lines = append(lines, fmt.Sprintf("  %s: %s", v.Field, v.Description))
	}
	return strings.Join(lines, "\n")
}

// AsAPIError reads the google.rpc.Status details of an error a stub
// returned; nil for nil.
func AsAPIError(err error) *APIError {
	if err == nil {
		return nil
	}
	st := status.Convert(err)
	e := &APIError{Code: st.Code(), Message: st.Message()}
	for _, d := range st.Details() {
		switch detail := d.(type) {
		case *errdetails.BadRequest:
			for _, v := range detail.GetFieldViolations() {
				e.FieldViolations = append(e.FieldViolations, FieldViolation{v.GetField(), v.GetDescription()})
			}
		case *errdetails.ErrorInfo:
			e.Reason = detail.GetReason()
		}
	}
	return e
}
