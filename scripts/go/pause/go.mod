module k8s-pki.local/pause

go 1.26.0
