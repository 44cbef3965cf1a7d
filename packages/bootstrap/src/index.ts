// @k8s/bootstrap: bootstrap tokens, bootstrap kubeconfigs and the csr-crb RBAC.
export { BootstrapError, isBootstrapError, type BootstrapErrorCode } from "./errors.js";
export { BootstrapToken, generateToken, parseToken, parseTokenId, randomTokenString, validateExtraGroup, TOKEN_PATTERN, TOKEN_ID_PATTERN, EXTRA_GROUP_PATTERN } from "./token.js";
export {
  buildTokenSecret,
  tokenFromSecretData,
  parseTtl,
  validateUsages,
  rfc3339,
  SECRET_TYPE,
  SECRET_NAMESPACE,
  SECRET_PREFIX,
  KNOWN_USAGES,
  DEFAULT_GROUPS,
  DEFAULT_TTL,
  type TokenOptions,
  type TokenInfo,
  type TokenUsage,
  type BootstrapTokenSecret,
} from "./token-secret.js";
export { formatTokenTable, tokenOutputObject, shortHumanDuration, tabulate } from "./token-table.js";
export { buildTokenKubeconfig, renderBootstrapKubeconfig, validateServerUrl, validateCaPem, type KubeconfigOptions } from "./kubeconfig.js";
export { csrRbacObjects, renderRbacYaml, MANAGED_BY, type RbacObject, type ClusterRole, type ClusterRoleBinding, type RbacOptions, type RbacSubject, type PolicyRule } from "./rbac.js";
export { loadKubeConfig, toBootstrapError, apiStatus } from "./kube-client.js";
export { createToken, listTokens, deleteToken, type ListResult } from "./token-store.js";
export { applyRbac, type ApplyOutcome, type ApplyResult } from "./apply-rbac.js";
export { Approver, COMPONENT as APPROVER_COMPONENT, type ApproverOptions } from "./approver/controller.js";
export { resolveApproverConfig, type ApproverConfig, type RawApproverOptions } from "./approver/config.js";
export { decide, DEFAULT_POLICY, dnsAllowed, ipInCidr, type ApproverPolicy, type Decision, type Facts, type RuleName, type ApprovalRule } from "./approver/policy.js";
export { parseRequest, KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER, type CsrObject, type ParsedRequest } from "./approver/csr-facts.js";
export { toCsrObject } from "./approver/csr-object.js";
export { createLogger, type Logger, type LogLevel } from "./approver/logger.js";
export {
  approverManifests,
  renderApproverManifests,
  approverImage,
  policyArgs,
  APPROVER_IMAGE_NAME,
  APPROVER_METRICS_PORT,
  APPROVER_NODE_OPTIONS,
  type ManifestOptions,
  type ManifestPolicy,
} from "./approver/manifests.js";
