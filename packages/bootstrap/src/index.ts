// @k8s/bootstrap: bootstrap tokens, kubeconfigs, csr-crb RBAC and the CSR approver (issues #4 and #5).
export {};
