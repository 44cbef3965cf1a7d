// The k8s-pki version and the cfssl release it is compatible with.
export const VERSION = "0.1.0";
export const CFSSL_COMPAT = "1.6.5";
