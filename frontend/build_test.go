package frontend

import (
	"context"
	"testing"

	gwclient "github.com/moby/buildkit/frontend/gateway/client"
)

// buildWith runs the frontend against a fake gateway serving dir.
func buildWith(t *testing.T, g *fakeGateway) (*gwclient.Result, error) {
	t.Helper()
	return Build(context.Background(), g)
}
