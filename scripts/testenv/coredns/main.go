// CoreDNS for the test world's real node (lib/node.sh), built with only the
// plugins the Corefile there uses: the full plugin set pulls in every
// cloud provider's SDK, which costs minutes of build for nothing.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/template"
)

// Same relative order as upstream's core/dnsserver/zdirectives.go: the
// order in which plugins see a query.
func init() {
	dnsserver.Directives = []string{"bind", "ready", "health", "errors", "log", "cache", "template", "kubernetes"}
}

func main() { coremain.Run() }
