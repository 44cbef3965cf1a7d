module k8s-pki.local/x509read

go 1.26.0
