// @k8s/bootstrap: bootstrap tokens, bootstrap kubeconfigs, the csr-crb RBAC,
// the CSR auto-approver and the small controller runtime it runs on.
// A curated list: test-only helpers are imported by the tests from the sources.
export { BootstrapError, isBootstrapError, type BootstrapErrorCode } from "./errors.js";

// Tokens and their Secrets.
export { BootstrapToken, generateToken, parseToken, parseTokenId, randomTokenString, validateExtraGroup, TOKEN_PATTERN } from "./token.js";
export {
  buildTokenSecret,
  tokenFromSecretData,
  parseTtl,
  SECRET_TYPE,
  SECRET_NAMESPACE,
  KNOWN_USAGES,
  DEFAULT_GROUPS,
  DEFAULT_TTL,
  type TokenOptions,
  type TokenInfo,
  type TokenUsage,
  type BootstrapTokenSecret,
} from "./token-secret.js";
export { formatTokenTable, tokenOutputObject, shortHumanDuration, tabulate } from "./token-table.js";
export { createToken, listTokens, deleteToken } from "./token-store.js";

// Kubeconfigs and RBAC.
export { buildTokenKubeconfig, renderBootstrapKubeconfig, validateServerUrl, validateCaPem, type KubeconfigOptions } from "./kubeconfig.js";
export { loadKubeConfig } from "./kube-client.js";
export { csrRbacObjects, renderRbacYaml, MANAGED_BY, type RbacObject, type ClusterRole, type ClusterRoleBinding, type RbacOptions, type RbacSubject, type PolicyRule } from "./rbac.js";
export { applyRbac, type ApplyResult } from "./apply-rbac.js";

// The approver: start it, configure it, its one handler, its policy, its ports, its manifests.
export { Approver, COMPONENT as APPROVER_COMPONENT, type ApproverOptions } from "./approver/controller.js";
export { resolveApproverConfig, type ApproverConfig, type RawApproverOptions } from "./approver/config.js";
export { handle, type HandleContext, type HandleMetrics, type Outcome } from "./approver/handle.js";
export { decide, DEFAULT_POLICY, dnsAllowed, type ApproverPolicy, type Decision, type Facts, type RuleName, type ApprovalRule } from "./approver/policy.js";
export { parseRequest, KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER, type CsrObject, type ParsedRequest, type ParseResult } from "./approver/csr-facts.js";
export type { ApproverApi, ApproverPorts } from "./approver/ports.js";
export { createKubePorts } from "./approver/kube-ports.js";
export { APPROVER_POLICY_FLAGS, approverFlag, type ApproverFlag, type ManifestPolicy } from "./approver/flags.js";
export { approverManifests, renderApproverManifests, approverImage, policyArgs, APPROVER_IMAGE_NAME, APPROVER_METRICS_PORT, APPROVER_NODE_OPTIONS, type ManifestOptions } from "./approver/manifests.js";

// The controller runtime a second controller reuses.
export { Controller, type ControllerOptions, type ElectionOptions } from "./controller-runtime/controller.js";
export { Informer, type InformerOptions, type InformerStats, type InformerEventType } from "./controller-runtime/informer.js";
export type { ListWatch, ListPage, ObjectWithMeta } from "./controller-runtime/list-watch.js";
export { LeaderElector, type LeaderElectionOptions } from "./controller-runtime/leader-election.js";
export type { LeaseLock } from "./controller-runtime/lease-lock.js";
export { createKubeListWatch, createKubeLeaseLock } from "./controller-runtime/kube-ports.js";
export { WorkQueue } from "./controller-runtime/work-queue.js";
export { defaultControllerRateLimiter, type RateLimiter } from "./controller-runtime/rate-limiter.js";
export { Registry, type Counter, type Gauge, type Histogram } from "./controller-runtime/metrics.js";
export { registerRuntimeMetrics } from "./controller-runtime/runtime-metrics.js";
export { startHealthServer, type HealthServer, type HealthServerOptions } from "./controller-runtime/health-server.js";
export { createLogger, type Logger, type LogLevel } from "./controller-runtime/logger.js";
