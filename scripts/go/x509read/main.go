// x509read prints what Go's encoding/pem and crypto/x509 read from each input, for the differential test.
//
// It does exactly what kube-apiserver and kube-controller-manager's signer do with a request (pem.Decode, then
// x509.ParseCertificateRequest on the first block whatever its type), so test/pki/go-differential.test.ts can
// assert that @k8s/pki reads every input as Go does. Input: one JSON object per line,
// {"kind":"csr"|"cert","pem":"<base64 of the raw text>"}; output: one JSON object per line, in the same order.
// Standard library only, so it builds offline with the local toolchain.
package main

import (
	"bufio"
	"crypto/dsa"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"time"
	"unicode/utf8"
)

type input struct {
	Kind string `json:"kind"`
	PEM  string `json:"pem"`
}

type pemOut struct {
	Type    string            `json:"type"`
	Headers map[string]string `json:"headers"`
	Bytes   string            `json:"bytes"`
	Rest    string            `json:"rest"`
}

type nameOut struct {
	CN     string   `json:"CN"`
	O      []string `json:"O"`
	OU     []string `json:"OU"`
	C      []string `json:"C"`
	ST     []string `json:"ST"`
	L      []string `json:"L"`
	Street []string `json:"street"`
	Postal []string `json:"postal"`
	Serial string   `json:"serial"`
	// [oid, value-or-null] in encoding order, as pkix.Name.Names holds them.
	Names [][2]any `json:"names"`
}

type output struct {
	PEM   *pemOut `json:"pem"`
	OK    bool    `json:"ok"`
	Error string  `json:"error,omitempty"`
	NS    int64   `json:"ns"`

	// Only when ok: the reading, then the certificate-only fields.
	Reading *reading `json:"-"`
	Cert    *certOut `json:"-"`
}

type reading struct {
	Subject            *nameOut       `json:"subject"`
	Issuer             *nameOut       `json:"issuer,omitempty"`
	DNS                []string       `json:"dns"`
	Email              []string       `json:"email"`
	IP                 []string       `json:"ip"`
	URI                []string       `json:"uri"`
	Extensions         [][3]any       `json:"extensions"`
	PublicKeyAlgorithm string         `json:"publicKeyAlgorithm"`
	Key                map[string]any `json:"key"`
	SPKI               string         `json:"spki"`
	SignatureAlgorithm string         `json:"signatureAlgorithm"`
	SignatureOK        bool           `json:"signatureOk"`
}

type certOut struct {
	Version               int      `json:"version"`
	Serial                string   `json:"serial"`
	NotBefore             int64    `json:"notBefore"`
	NotAfter              int64    `json:"notAfter"`
	IsCA                  bool     `json:"isCA"`
	BasicConstraintsValid bool     `json:"basicConstraintsValid"`
	MaxPathLen            int      `json:"maxPathLen"`
	MaxPathLenZero        bool     `json:"maxPathLenZero"`
	KeyUsage              int      `json:"keyUsage"`
	ExtKeyUsage           []int    `json:"extKeyUsage"`
	UnknownExtKeyUsage    []string `json:"unknownExtKeyUsage"`
	SKI                   string   `json:"ski"`
	AKI                   string   `json:"aki"`
	CRL                   []string `json:"crl"`
	OCSP                  []string `json:"ocsp"`
	IssuingURL            []string `json:"issuingUrl"`
	// Policies as base64 of the OID's content octets (x509.OID.MarshalBinary): arcs may exceed 64 bits.
	Policies          []string `json:"policies"`
	UnhandledCritical []string `json:"unhandledCritical"`
}

// MarshalJSON flattens the reading and the certificate-only fields into one object, so CSR and certificate lines
// share one shape.
func (o output) MarshalJSON() ([]byte, error) {
	type plain output
	joined, err := json.Marshal(plain(o))
	if err != nil {
		return nil, err
	}
	for _, part := range []any{o.Reading, o.Cert} {
		if part == nil || part == (*reading)(nil) || part == (*certOut)(nil) {
			continue
		}
		extra, err := json.Marshal(part)
		if err != nil {
			return nil, err
		}
		joined = append(append(joined[:len(joined)-1], ','), extra[1:]...)
	}
	return joined, nil
}

// byteString keeps every byte of a Go string that is not UTF-8 (a PEM type or header, a CRL URL are whatever bytes
// the input held): JSON would turn each bad byte into U+FFFD, so such a string is written one character per byte instead
// (Latin-1), the convention @k8s/pki's goBytesToString follows.
func byteString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

// strs is never null in JSON and keeps every byte (see byteString): Go keeps a CRL or OCSP URL as raw bytes.
func strs(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = byteString(v)
	}
	return out
}

func readName(n pkix.Name) *nameOut {
	out := &nameOut{
		CN: byteString(n.CommonName), O: strs(n.Organization), OU: strs(n.OrganizationalUnit), C: strs(n.Country),
		ST: strs(n.Province), L: strs(n.Locality), Street: strs(n.StreetAddress), Postal: strs(n.PostalCode),
		Serial: byteString(n.SerialNumber), Names: [][2]any{},
	}
	for _, atv := range n.Names {
		var v any
		if s, ok := atv.Value.(string); ok {
			v = byteString(s)
		}
		out.Names = append(out.Names, [2]any{atv.Type.String(), v})
	}
	return out
}

func readKey(k any) map[string]any {
	switch k := k.(type) {
	case *rsa.PublicKey:
		return map[string]any{"algo": "RSA", "bits": k.N.BitLen()}
	case *ecdsa.PublicKey:
		return map[string]any{"algo": "ECDSA", "curve": k.Curve.Params().Name}
	case ed25519.PublicKey:
		return map[string]any{"algo": "Ed25519"}
	case *dsa.PublicKey:
		return map[string]any{"algo": "DSA", "bits": k.P.BitLen()}
	case *ecdh.PublicKey:
		if k.Curve() == ecdh.X25519() {
			return map[string]any{"algo": "X25519"}
		}
	}
	return map[string]any{"algo": "unknown"}
}

func readExtensions(exts []pkix.Extension) [][3]any {
	out := [][3]any{}
	for _, e := range exts {
		out = append(out, [3]any{e.Id.String(), e.Critical, base64.StdEncoding.EncodeToString(e.Value)})
	}
	return out
}

func readSans(o *reading, dns, email []string, ips []interface{ String() string }, uris []interface{ String() string }) {
	o.DNS, o.Email, o.IP, o.URI = strs(dns), strs(email), []string{}, []string{}
	for _, ip := range ips {
		o.IP = append(o.IP, ip.String())
	}
	for _, u := range uris {
		o.URI = append(o.URI, u.String())
	}
}

func readCSR(o *output, der []byte) {
	t0 := time.Now()
	csr, err := x509.ParseCertificateRequest(der)
	o.NS = time.Since(t0).Nanoseconds()
	if err != nil {
		o.Error = err.Error()
		return
	}
	o.OK = true
	r := &reading{}
	o.Reading = r
	r.Subject = readName(csr.Subject)
	ips := make([]interface{ String() string }, len(csr.IPAddresses))
	for i, ip := range csr.IPAddresses {
		ips[i] = ip
	}
	uris := make([]interface{ String() string }, len(csr.URIs))
	for i, u := range csr.URIs {
		uris[i] = u
	}
	readSans(r, csr.DNSNames, csr.EmailAddresses, ips, uris)
	r.Extensions = readExtensions(csr.Extensions)
	r.PublicKeyAlgorithm = csr.PublicKeyAlgorithm.String()
	r.Key = readKey(csr.PublicKey)
	r.SPKI = base64.StdEncoding.EncodeToString(csr.RawSubjectPublicKeyInfo)
	r.SignatureAlgorithm = csr.SignatureAlgorithm.String()
	r.SignatureOK = csr.CheckSignature() == nil
}

func readCert(o *output, der []byte) {
	t0 := time.Now()
	c, err := x509.ParseCertificate(der)
	o.NS = time.Since(t0).Nanoseconds()
	if err != nil {
		o.Error = err.Error()
		return
	}
	o.OK = true
	r := &reading{}
	o.Reading = r
	r.Subject = readName(c.Subject)
	r.Issuer = readName(c.Issuer)
	ips := make([]interface{ String() string }, len(c.IPAddresses))
	for i, ip := range c.IPAddresses {
		ips[i] = ip
	}
	uris := make([]interface{ String() string }, len(c.URIs))
	for i, u := range c.URIs {
		uris[i] = u
	}
	readSans(r, c.DNSNames, c.EmailAddresses, ips, uris)
	r.Extensions = readExtensions(c.Extensions)
	r.PublicKeyAlgorithm = c.PublicKeyAlgorithm.String()
	r.Key = readKey(c.PublicKey)
	r.SPKI = base64.StdEncoding.EncodeToString(c.RawSubjectPublicKeyInfo)
	r.SignatureAlgorithm = c.SignatureAlgorithm.String()
	r.SignatureOK = c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
	co := &certOut{
		Version: c.Version, Serial: c.SerialNumber.String(), NotBefore: c.NotBefore.Unix(), NotAfter: c.NotAfter.Unix(),
		IsCA: c.IsCA, BasicConstraintsValid: c.BasicConstraintsValid, MaxPathLen: c.MaxPathLen,
		MaxPathLenZero: c.MaxPathLenZero, KeyUsage: int(c.KeyUsage), ExtKeyUsage: []int{}, UnknownExtKeyUsage: []string{},
		SKI: hex.EncodeToString(c.SubjectKeyId), AKI: hex.EncodeToString(c.AuthorityKeyId),
	}
	for _, u := range c.ExtKeyUsage {
		co.ExtKeyUsage = append(co.ExtKeyUsage, int(u))
	}
	for _, u := range c.UnknownExtKeyUsage {
		co.UnknownExtKeyUsage = append(co.UnknownExtKeyUsage, u.String())
	}
	co.CRL, co.OCSP, co.IssuingURL = strs(c.CRLDistributionPoints), strs(c.OCSPServer), strs(c.IssuingCertificateURL)
	co.Policies, co.UnhandledCritical = []string{}, []string{}
	for _, p := range c.Policies {
		b, _ := p.MarshalBinary()
		co.Policies = append(co.Policies, base64.StdEncoding.EncodeToString(b))
	}
	for _, u := range c.UnhandledCriticalExtensions {
		co.UnhandledCritical = append(co.UnhandledCritical, u.String())
	}
	o.Cert = co
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	// Inputs reach a few hundred kilobytes (the huge-INTEGER requests), base64 inside JSON.
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	line := 0
	for in.Scan() {
		line++
		var req input
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			fmt.Fprintf(os.Stderr, "x509read: line %d: %v\n", line, err)
			os.Exit(2)
		}
		raw, err := base64.StdEncoding.DecodeString(req.PEM)
		if err != nil {
			fmt.Fprintf(os.Stderr, "x509read: line %d: pem is not base64: %v\n", line, err)
			os.Exit(2)
		}
		var o output
		block, rest := pem.Decode(raw)
		if block != nil {
			headers := make(map[string]string, len(block.Headers))
			for k, v := range block.Headers {
				headers[byteString(k)] = byteString(v)
			}
			o.PEM = &pemOut{
				Type: byteString(block.Type), Headers: headers, Rest: base64.StdEncoding.EncodeToString(rest),
				Bytes: base64.StdEncoding.EncodeToString(block.Bytes),
			}
			switch req.Kind {
			case "csr":
				readCSR(&o, block.Bytes)
			case "cert":
				readCert(&o, block.Bytes)
			default:
				fmt.Fprintf(os.Stderr, "x509read: line %d: unknown kind %q\n", line, req.Kind)
				os.Exit(2)
			}
		}
		if err := enc.Encode(o); err != nil {
			fmt.Fprintf(os.Stderr, "x509read: line %d: %v\n", line, err)
			os.Exit(2)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "x509read: %v\n", err)
		os.Exit(2)
	}
}
