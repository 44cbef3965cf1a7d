// @k8s/deploy: inventory, plan, render, transport and verify (issue #6).
export {};
