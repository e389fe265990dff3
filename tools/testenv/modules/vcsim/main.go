// Command vcsim serves govmomi's vCenter simulator (SOAP and the Automation REST API) for the test suite.
//
// Unlike the upstream vcsim command it always serves TLS, writes its certificate to -cert so clients can
// verify it, and writes its URL to -url-file once it is listening, so tests need no fixed port.
package main

import (
	"encoding/json"
	"net/http"

	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	_ "github.com/vmware/govmomi/vapi/simulator"
	"github.com/vmware/govmomi/vim25/types"
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
	controlFile := flag.String("control-file", "", "serve fault injection on a loopback port; write its URL here")
	var extraUsers logins
	flag.Var(&extraUsers, "extra-user", "another login, user:password (repeatable); it holds the privileges a test grants")
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
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		log.Fatalf("bad -l %q: %v", *listen, err)
	}
	cert, err := selfSigned(host)
	if err != nil {
		log.Fatalf("creating certificate: %v", err)
	}
	model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*username, *password)}
	installPrivilegeCheck(model, []string{*username})
	server := model.Service.NewServer()
	if extraUsers == nil {
		extraUsers = logins{}
	}
	extraUsers[*username] = *password
	model.Map().SessionManager().ValidLogin = func(req *types.Login) bool {
		want, known := extraUsers[req.UserName]
		return known && req.Password == want
	}
	defer server.Close()

	if *certFile != "" {
		block := &pem.Block{Type: "CERTIFICATE", Bytes: server.Certificate().Raw}
		if err := os.WriteFile(*certFile, pem.EncodeToMemory(block), 0o600); err != nil {
			log.Fatalf("writing certificate: %v", err)
		}
	}
	if *controlFile != "" {
		if err := serveControl(model.Service, *controlFile); err != nil {
			log.Fatalf("control endpoint: %v", err)
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

// selfSigned makes a CA-capable certificate for host, so clients can verify the server with it as CA bundle.
func selfSigned(host string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: host, Organization: []string{"vcsim test server"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(48 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	if ip := net.ParseIP(host); ip != nil {
		template.IPAddresses = []net.IP{ip}
	} else {
		template.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// faultRequest is the body of POST /faults: a SOAP fault for the next MaxCount calls of Method.
type faultRequest struct {
	Method     string `json:"method"`
	ObjectType string `json:"objectType"`
	ObjectName string `json:"objectName"`
	MaxCount   int    `json:"maxCount"`
	Message    string `json:"message"`
}

// serveControl lets tests inject vSphere faults: POST /faults adds a rule, DELETE /faults clears all rules.
func serveControl(service *simulator.Service, urlFile string) error {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/faults", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			var req faultRequest
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Method == "" {
				http.Error(w, "expected JSON with method", http.StatusBadRequest)
				return
			}
			orStar := func(v string) string {
				if v == "" {
					return "*"
				}
				return v
			}
			service.AddFaultRule(&simulator.FaultInjectionRule{
				MethodName: req.Method, ObjectType: orStar(req.ObjectType), ObjectName: orStar(req.ObjectName),
				Probability: 1.0, FaultType: simulator.FaultTypeNoPermission, Message: req.Message,
				MaxCount: req.MaxCount, Enabled: true,
			})
			w.WriteHeader(http.StatusCreated)
		case http.MethodDelete:
			service.ClearFaultRules()
			w.WriteHeader(http.StatusNoContent)
		default:
			http.Error(w, "POST or DELETE", http.StatusMethodNotAllowed)
		}
	})
	go func() { _ = http.Serve(listener, mux) }()
	return os.WriteFile(urlFile, []byte("http://"+listener.Addr().String()), 0o600)
}

// logins collects -extra-user flags: user name → password.
type logins map[string]string

func (l *logins) String() string { return fmt.Sprintf("%d login(s)", len(*l)) }

func (l *logins) Set(value string) error {
	user, password, found := strings.Cut(value, ":")
	if !found || user == "" || password == "" {
		return fmt.Errorf("expected user:password")
	}
	if *l == nil {
		*l = logins{}
	}
	(*l)[user] = password
	return nil
}
