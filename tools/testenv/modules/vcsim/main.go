// Command vcsim serves govmomi's vCenter simulator (SOAP and the Automation REST API) for the test suite.
//
// Unlike the upstream vcsim command it always serves TLS, writes its certificate to -cert so clients can
// verify it, and writes its URL to -url-file once it is listening, so tests need no fixed port.
package main

import (
	"crypto/tls"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/vmware/govmomi/simulator"
	_ "github.com/vmware/govmomi/vapi/simulator"
)

func main() {
	listen := flag.String("l", "127.0.0.1:0", "address to listen on")
	username := flag.String("username", "user", "login user name")
	password := flag.String("password", "pass", "login password")
	datacenters := flag.Int("dc", 1, "datacenters")
	clusters := flag.Int("cluster", 1, "compute clusters per datacenter")
	clusterHosts := flag.Int("host", 3, "hosts per cluster")
	vms := flag.Int("vm", 2, "virtual machines per host")
	datastores := flag.Int("ds", 1, "datastores per datacenter")
	portgroups := flag.Int("pg", 1, "distributed port groups per datacenter")
	certFile := flag.String("cert", "", "write the server certificate (PEM) here")
	urlFile := flag.String("url-file", "", "write the SDK URL (without credentials) here once listening")
	flag.Parse()

	model := simulator.VPX()
	model.Datacenter = *datacenters
	model.Cluster = *clusters
	model.ClusterHost = *clusterHosts
	model.Host = 0
	model.Machine = *vms
	model.Datastore = *datastores
	model.Portgroup = *portgroups
	if err := model.Create(); err != nil {
		log.Fatalf("creating inventory: %v", err)
	}
	defer model.Remove()

	model.Service.RegisterEndpoints = true
	model.Service.TLS = new(tls.Config)
	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*username, *password)}
	server := model.Service.NewServer()
	defer server.Close()

	if *certFile != "" {
		block := &pem.Block{Type: "CERTIFICATE", Bytes: server.Certificate().Raw}
		if err := os.WriteFile(*certFile, pem.EncodeToMemory(block), 0o600); err != nil {
			log.Fatalf("writing certificate: %v", err)
		}
	}
	sdk := *server.URL
	sdk.User = nil
	if *urlFile != "" {
		if err := os.WriteFile(*urlFile+".tmp", []byte(sdk.String()), 0o600); err != nil {
			log.Fatalf("writing url: %v", err)
		}
		if err := os.Rename(*urlFile+".tmp", *urlFile); err != nil {
			log.Fatalf("writing url: %v", err)
		}
	}
	fmt.Printf("vcsim listening on %s\n", sdk.String())

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	<-signals
}
