// @k8s/deploy: inventory, plan, render, transport and verify for Kubernetes clusters deployed from binaries.
export { DeployError, isDeployError, type DeployErrorCode } from "./errors.js";
export { STAGES, type RenderedFile, type RenderedUnit, type RenderedNode, type Stage } from "./rendered.js";
export {
  execOrThrow,
  shq,
  type ExecOptions,
  type ExecResult,
  type RemoteFileState,
  type Transport,
} from "./transport/transport.js";
export { LocalTransport, type LocalTransportOptions } from "./transport/local.js";
export { SshTransport, sshFingerprint, type SshTransportOptions } from "./transport/ssh.js";
export {
  ScriptServiceManager,
  SystemdServiceManager,
  type ScriptServiceManagerOptions,
  type ServiceManager,
} from "./service-manager.js";
export {
  applyNodes,
  fileChanged,
  fileStages,
  formatApplyEvent,
  isUnitFile,
  planStage,
  unitActions,
  validateNode,
  DEFAULT_OWNER,
  type ApplyEvent,
  type ApplyOptions,
  type ApplyResult,
  type DesiredFileState,
  type NodeApplyResult,
  type StagePlan,
  type UnitActions,
} from "./apply.js";
export {
  parseInventory,
  validateInventory,
  loadInventory,
  nodesWith,
  parseIpv4,
  formatIpv4,
  parseCidr,
  cidrHost,
  isDns1123Label,
  isDns1123Subdomain,
  DEFAULT_VERSIONS,
  ROLES,
  type Inventory,
  type InventoryNode,
  type Role,
  type PkiLayout,
  type ComponentVersions,
  type EncryptionProvider,
  type KubeletCerts,
  type KubeProxyMode,
  type Cidr,
} from "./inventory.js";
export { defaultInventory, ANNOTATED_INVENTORY_YAML, DEFAULT_INVENTORY_YAML } from "./default-inventory.js";
export { caConfigJson } from "./ca-config-sample.js";
export {
  buildPlan,
  apiserverSans,
  apiserverUrlFor,
  APPROVER_USER,
  certIds,
  findCert,
  layoutPaths,
  PROFILE_USAGES,
  type Plan,
  type PlanNode,
  type PlannedCert,
  type PlannedFile,
  type PlannedUnit,
  type FileSource,
  type Template,
  type Derived,
  type LayoutPaths,
  type CertProfile,
} from "./plan.js";
export { COMPONENTS, type Component, type ComponentChecks, type NodePlanner } from "./components/index.js";
export { CLASSIC_LAYOUT, HARDENED_LAYOUT, pkiLayout, type CertIds, type PkiLayoutSpec } from "./pki-layouts.js";
export { buildPki, keptLeafMismatch, pkiItem, trustPem, signingConfigJson, certCsrJson, type Pki, type PkiMaterial, type BuildPkiOptions } from "./pki-build.js";
export { renderCluster, renderInventory, clusterSecrets, manifestText, type RenderOptions } from "./render.js";
export { writeRendered } from "./write-rendered.js";
export { renderPlanText } from "./plan-text.js";
export { planDocument, type PlanDocument, type PlanDocumentFile, type PlanDocumentNode } from "./plan-document.js";
export { execStartOf, renderUnit, type UnitSpec } from "./render/systemd.js";
export { APPROVER_LEASE, APPROVER_PORT, approverRbacObjects } from "./render/approver.js";
export { LOCAL_MODE_SKIPPED_UNITS } from "./render.js";
export { parseRenewal, RENEWAL_DEFAULTS, type RenewalApply, type RenewalSettings } from "./render/renewal-timer.js";
export { type ClusterSecrets } from "./state/secrets.js";
export {
  ProcessServiceManager,
  parseUnitFile,
  remapArgs,
  spawnLauncher,
  type LaunchSpec,
  type LaunchedProcess,
  type Launcher,
  type ParsedUnit,
  type ProcessServiceManagerOptions,
} from "./process-service-manager.js";
export {
  stopLocalUnits,
  formatStoppedLocalUnit,
  readPidFile,
  pidMatches,
  LOCAL_UNITS_RUN_DIR,
  type LocalUnitOutcome,
  type PidFile,
  type StopLocalUnitsOptions,
  type StoppedLocalUnit,
} from "./local-stop.js";
export { localInventory, loadOrCreateState, loadState, renewBootstrapTokens, type StateOptions } from "./state.js";
export { StateStore, STATE_FORMAT, stateFileName, type SecretsRecord, type StateFileKind } from "./state/store.js";
export {
  startCaRotation,
  reissueCaRotation,
  finishCaRotation,
  readRotation,
  rotationOverlay,
  trustBundle,
  retiringCas,
  leavesOfRetiringCas,
  type RotationState,
  type RotationStep,
  type RotationOptions,
} from "./ca-rotation.js";
export { verifyCluster, formatVerify, type VerifyCheck, type VerifyOptions } from "./verify.js";
export { readinessWaiter, unitProbe, type ReadinessOptions } from "./unit-readiness.js";
export { knownHostFingerprints } from "./transport/known-hosts.js";
export { sshTransportFor, type SshAccess } from "./transport/ssh-connect.js";
export { diffState, formatStateDiff, loadKeptPki, stateFileId, type StateDiff, type StateDiffEntry } from "./state-diff.js";
export {
  certificatesInNodeFile,
  checkNodeCertFiles,
  nodeCertFiles,
  nodeCertReport,
  nodeFileName,
  nodeFileState,
  nodeFileStateTextfile,
  readNodeFiles,
  renderedContents,
  KUBELET_CERT_DIR,
  KUBELET_OWN_CERTS,
  type NodeCertCheck,
  type NodeCertFile,
  type NodeCertRow,
  type NodeFileState,
} from "./node-certs.js";
export { caRotationTextfile } from "./rotation-metrics.js";
export { applyCluster, type ApplyClusterEvent, type ApplyClusterOptions, type ApplyClusterResult, type LocalNodes, type StateEvent } from "./workflows/apply-cluster.js";
export { checkClusterFiles, clusterFilesTextfile, type CheckClusterFilesOptions, type CheckClusterFilesResult } from "./workflows/check-cluster-files.js";
export { nodeTransports, type NodeAccess, type NodeTransportsOptions, type SshSettings, type TransportFor } from "./workflows/node-transports.js";
export { findBinary, localBinaryFinder, SELF_BINARY } from "./workflows/binaries.js";
export { checkCaRetirement, type CaRetirementCheck, type CaRetirementOptions } from "./workflows/ca-retirement.js";
export { renderToFolder, type RenderToFolderOptions, type RenderToFolderResult } from "./workflows/render-to-folder.js";
